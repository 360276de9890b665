/**
 * What a source has read of one repository so far, against the repository
 * caps (`REPO_CAPS` in limits.ts). The commit reader and the folder reader
 * count every fleet file they read here, and stop reading at the first
 * refusal: a repository over a cap is not read to the end first.
 */
import { REPO_CAPS, type RepoCaps } from "./limits.ts";
import type { RefusedFile } from "./source.ts";

export class RepoBudget {
  private files = 0;
  private bytes = 0;

  constructor(private readonly caps: RepoCaps = REPO_CAPS) {}

  /**
   * Counts fleet file `path` of `bytes` bytes. Returns the refusal when it is
   * one file too many, or brings the bytes read over the cap; the source
   * then stops and loads none of the repository.
   * @example
   * const budget = new RepoBudget({ maxFiles: 1, maxBytes: 100 });
   * budget.take("a.yaml", 10); // undefined
   * budget.take("b.yaml", 10); // { path: "b.yaml", code: "repo-too-many-files", ... }
   */
  take(path: string, bytes: number): RefusedFile | undefined {
    this.files += 1;
    this.bytes += bytes;
    const { maxFiles, maxBytes } = this.caps;
    if (this.files > maxFiles) {
      return {
        path,
        code: "repo-too-many-files",
        message: `the repository has more than ${maxFiles} fleet files (.yaml/.yml), the limit for one repository: berth stopped reading at ${path} and loads none of this commit; merge small files, or point --path at a folder that holds fewer`,
      };
    }
    if (this.bytes > maxBytes) {
      return {
        path,
        code: "repo-too-large",
        message: `the repository's fleet files come to more than ${size(maxBytes)}, the limit for one repository: ${this.bytes} bytes with ${path}, fleet file number ${this.files}, where berth stopped reading; it loads none of this commit; keep what is not fleet documents out of .yaml files, or split the fleet over repositories or --path folders`,
      };
    }
    return undefined;
  }
}

/** `67108864 bytes (64 MiB)`; below a MiB, the bytes alone. */
function size(bytes: number): string {
  return bytes < 2 ** 20 ? `${bytes} bytes` : `${bytes} bytes (${Math.round((bytes / 2 ** 20) * 10) / 10} MiB)`;
}
