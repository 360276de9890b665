/**
 * Fleet files whose copy in the work tree is not what `HEAD` holds. berth
 * reads commits, never the work tree, so `berth validate` without DIR does
 * not see an edit until it is committed; this lists what it did not see.
 */
import fs from "node:fs";
import git from "isomorphic-git";
import { isFleetFile, normaliseSubPath } from "../load/source.ts";
import { findGitdir } from "./find-gitdir.ts";

export interface UncommittedOptions {
  /** The work tree (its root: where `.git` is). */
  readonly dir: string;
  /** `--path`: only fleet files under this folder count. */
  readonly subPath?: string;
}

/** Unchanged in all three of HEAD, work tree and index: isomorphic-git's `[file, 1, 1, 1]`. */
const UNCHANGED = 1;

/**
 * Fleet files (`.yaml`/`.yml` outside hidden folders and `node_modules`)
 * that are modified, added, deleted or untracked relative to `HEAD`,
 * sorted; files git ignores are not listed. Read-only: the index's stat
 * cache is not refreshed.
 * @throws NotARepositoryError when `dir` is not a work tree.
 * @example await uncommittedFleetFiles({ dir: "." }) // ["hosts/new.yaml", "services/web.yaml"]
 */
export async function uncommittedFleetFiles(options: UncommittedOptions): Promise<string[]> {
  const dir = fs.realpathSync(options.dir);
  const sub = normaliseSubPath(options.subPath ?? "");
  const rows = await git.statusMatrix({
    fs,
    dir,
    gitdir: findGitdir(dir),
    ...(sub === "" ? {} : { filepaths: [sub] }),
    filter: (file) => isFleetFile(file, options.subPath),
    refresh: false,
  });
  return rows
    .filter(([, head, workdir, stage]) => head !== UNCHANGED || workdir !== UNCHANGED || stage !== UNCHANGED)
    .map(([file]) => file)
    .sort();
}
