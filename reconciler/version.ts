/**
 * berth's version and the commit it was built from, for `berth --version`
 * and the daemon's `berth_build_info`. The version is package.json's, read
 * once when this module loads; the same code runs from the source tree under
 * tsx and from dist/ in an installed package, so package.json is looked for
 * upwards from this file rather than at a fixed relative path.
 *
 * The commit comes from `BERTH_COMMIT` (an image build sets it from a build
 * argument), else from the package root's `.git` when berth runs from a
 * clone, else it is `unknown`. No `git` is run: an installed package has
 * neither a repository nor, perhaps, git.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface PackageRoot {
  readonly dir: string;
  readonly version: string;
}

/** The nearest folder at or above `from` whose package.json declares the `berth` command, and its version. */
export function findPackageRoot(from: string): PackageRoot {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { version?: unknown; bin?: Record<string, unknown> };
      if (pkg.bin?.berth !== undefined && typeof pkg.version === "string") return { dir, version: pkg.version };
    }
    if (path.dirname(dir) === dir) throw new Error(`berth's package.json (the one declaring the "berth" command) was not found in ${from} or above it: the installation is incomplete; install berth again`);
  }
}

/** HEAD's commit in the repository at `root`, read from its files (a worktree's `.git` file and packed refs included); undefined when there is none. */
export function headCommit(root: string): string | undefined {
  try {
    const dotGit = path.join(root, ".git");
    // A worktree's `.git` is a file naming its git folder, whose refs live in the main repository's (`commondir`).
    const gitDir = statSync(dotGit).isFile() ? path.resolve(root, readFileSync(dotGit, "utf8").replace(/^gitdir:\s*/, "").trim()) : dotGit;
    const commonFile = path.join(gitDir, "commondir");
    const commonDir = existsSync(commonFile) ? path.resolve(gitDir, readFileSync(commonFile, "utf8").trim()) : gitDir;
    const head = readFileSync(path.join(gitDir, "HEAD"), "utf8").trim();
    const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
    if (!ref) return /^[0-9a-f]{40,64}$/.test(head) ? head : undefined;
    for (const dir of [gitDir, commonDir]) {
      const loose = path.join(dir, ref);
      if (existsSync(loose)) return readFileSync(loose, "utf8").trim();
    }
    const packed = readFileSync(path.join(commonDir, "packed-refs"), "utf8");
    return packed.split("\n").find((l) => l.endsWith(` ${ref}`))?.split(" ")[0];
  } catch {
    // No repository, or one this reader does not follow: the commit is unknown, never a failure.
    return undefined;
  }
}

const root = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** package.json's `version`. */
export const berthVersion: string = root.version;

/** The commit berth was built from: `BERTH_COMMIT`, else the clone's HEAD, else `unknown`. */
export const berthCommit: string = process.env.BERTH_COMMIT?.trim() || headCommit(root.dir) || "unknown";
