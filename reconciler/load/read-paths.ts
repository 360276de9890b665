/**
 * Reads the files and folders named on the command line as one repository
 * snapshot, for `berth validate a.yaml b/c.yaml dir/` (a pre-commit hook
 * passes the files it was given). Cross-document checks then run over just
 * this set. A folder is read as `readRepoDir` reads it; a file with the same
 * refusals (too large, not UTF-8, a symlink that leaves the working folder).
 */
import { lstat, readFile, realpath, stat } from "node:fs/promises";
import { normalize, resolve, sep } from "node:path";
import { decodeFleetFile } from "./decode-utf8.ts";
import { SourceReadError } from "./errors.ts";
import { MAX_FILE_BYTES, REPO_CAPS } from "./limits.ts";
import { readRepoDir, type ReadDirOptions } from "./read-dir.ts";
import { RepoBudget } from "./repo-budget.ts";
import type { RefusedFile, RepoSnapshot, SourceFile } from "./source.ts";

/**
 * Reads each of `paths`, relative to the current directory. Paths in the
 * result are as given, `/`-separated, without a leading `./` (one outside the
 * current directory becomes absolute), so diagnostics name the file the user named.
 * @throws {SourceReadError} when a path does not exist or cannot be read.
 * @example const snapshot = await readRepoPaths(["services/web.yaml", "hosts.yaml"]);
 */
export async function readRepoPaths(paths: readonly string[], options: ReadDirOptions = {}): Promise<RepoSnapshot> {
  const maxBytes = options.maxFileBytes ?? MAX_FILE_BYTES;
  const budget = new RepoBudget(options.caps ?? REPO_CAPS);
  const here = await realpath(".");
  const files = new Map<string, SourceFile>();
  const refused: RefusedFile[] = [];
  for (const given of paths) {
    const name = displayPath(given);
    let isDir: boolean;
    try {
      isDir = (await stat(given)).isDirectory();
    } catch (err) {
      throw new SourceReadError({ path: given, reason: (err as Error).message, named: true }, { cause: err });
    }
    if (isDir) {
      const dir = await readRepoDir(given, options);
      const prefix = name === "." ? "" : `${name}/`;
      for (const f of dir.files) files.set(prefix + f.path, { path: prefix + f.path, content: f.content });
      for (const r of dir.refused ?? []) refused.push({ ...r, path: prefix + r.path });
      continue;
    }
    if (files.has(name)) continue; // named twice, or also inside a folder named
    if ((await lstat(given)).isSymbolicLink()) {
      const real = await realpath(given);
      if (real !== here && !real.startsWith(here + sep)) {
        refused.push({ path: name, code: "symlink-escape", message: `refused symlink ${JSON.stringify(name)}: it points outside the current folder (to ${JSON.stringify(real)})` });
        continue;
      }
    }
    const size = (await stat(given)).size;
    const over = budget.take(name, size > maxBytes ? 0 : size);
    if (over) return { files: [], refused: [...refused, over] };
    if (size > maxBytes) {
      refused.push({ path: name, code: "file-too-large", message: `refused ${JSON.stringify(name)}: ${size} bytes is more than the ${maxBytes}-byte limit for one file` });
      continue;
    }
    const decoded = decodeFleetFile(name, await readFile(given));
    if (decoded.ok) files.set(name, { path: name, content: decoded.content });
    else refused.push(decoded.refused);
  }
  return { files: [...files.values()], refused };
}

/** `./a//b.yaml` → `a/b.yaml`; `../x.yaml` → its absolute path (the loader skips paths through a `..` folder as hidden). */
function displayPath(given: string): string {
  const n = normalize(given).split(sep).join("/").replace(/\/+$/, "");
  if (n === "" || n === ".") return ".";
  if (n === ".." || n.startsWith("../")) return resolve(given).split(sep).join("/");
  return n;
}
