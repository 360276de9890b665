/**
 * Where a local repository keeps its git data: `<path>/.git` for a work tree
 * (a folder, or a `gitdir:` file as `--separate-git-dir` and submodules
 * write), or `<path>` itself for a bare repository.
 */
import fs from "node:fs";
import path from "node:path";
import { NotARepositoryError } from "./errors.ts";

function isGitdir(dir: string): boolean {
  return fs.existsSync(path.join(dir, "HEAD")) && fs.existsSync(path.join(dir, "objects")) && fs.existsSync(path.join(dir, "refs"));
}

/**
 * The git folder of the repository at `repoPath` (an absolute path).
 *
 * @throws NotARepositoryError when `repoPath` is neither a work tree nor a bare repository.
 */
export function findGitdir(repoPath: string): string {
  const dotgit = path.join(repoPath, ".git");
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dotgit);
  } catch {
    stat = undefined;
  }
  if (stat?.isDirectory() && isGitdir(dotgit)) return dotgit;
  if (stat?.isFile()) {
    const m = /^gitdir:\s*(.+?)\s*$/m.exec(fs.readFileSync(dotgit, "utf8"));
    const target = m?.[1] ? path.resolve(repoPath, m[1]) : undefined;
    if (target && isGitdir(target)) return target;
  }
  if (isGitdir(repoPath)) return repoPath;
  throw new NotARepositoryError({ path: repoPath });
}
