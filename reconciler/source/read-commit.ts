/**
 * Reads the files of one commit straight from git objects (never a work
 * tree): every `.yaml`/`.yml` outside hidden folders, and only under
 * `subPath` when given. Paths stay relative to the repository root (not to
 * `subPath`), so diagnostics name the file as it is in the repository.
 */
import { decodeFleetFile } from "../load/decode-utf8.ts";
import fs from "node:fs";
import path from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import git from "isomorphic-git";
import { isFleetFile, normaliseSubPath, type RefusedFile, type SourceFile } from "../load/source.ts";
import { MAX_FILE_BYTES, REPO_CAPS, type RepoCaps } from "../load/limits.ts";
import { RepoBudget } from "../load/repo-budget.ts";
import type { CommitInfo, CommitSnapshot } from "./types.ts";

const decoder = new TextDecoder("utf-8", { fatal: false });
const SYMLINK_MODE = 0o120000;

/** True when the walk must enter folder `dir` to reach files under `prefix` (`""`: everything). */
function leadsTo(dir: string, prefix: string): boolean {
  return prefix === "" || prefix === dir || prefix.startsWith(`${dir}/`) || dir.startsWith(`${prefix}/`);
}

/** Who made a commit, what it says and when, in berth's shape. */
export async function readCommitInfo(gitdir: string, commit: string, cache: object = {}): Promise<CommitInfo> {
  const { commit: c } = await git.readCommit({ fs, gitdir, oid: commit, cache });
  return { sha: commit, author: `${c.author.name} <${c.author.email}>`, message: c.message.trim(), time: c.committer.timestamp * 1000 };
}

/** Thrown inside the walk to stop it once the repository is over a cap. */
class OverCap {
  constructor(readonly refused: RefusedFile) {}
}

/**
 * The fleet files of `commit` in the repository at `gitdir`, with the commit's
 * metadata. Symlinks that leave the repository and files over the size limit
 * are listed in `refused` instead of read. Past the repository caps it stops
 * reading and returns no files, only the refusal (and those found before it).
 */
export async function readCommit(gitdir: string, commit: string, subPath?: string, caps: RepoCaps = REPO_CAPS): Promise<CommitSnapshot> {
  // One object cache for the whole read: isomorphic-git re-parses pack indexes without it.
  const cache = {};
  const info = await readCommitInfo(gitdir, commit, cache);
  const prefix = subPath === undefined ? "" : normaliseSubPath(subPath);
  const files: SourceFile[] = [];
  const refused: RefusedFile[] = [];
  const budget = new RepoBudget(caps);
  const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  // Stopped at a cap: the refusal, instead of the walk's result.
  const stopped = await git.walk({
    fs,
    gitdir,
    cache,
    trees: [git.TREE({ ref: commit })],
    // One entry at a time (the default walks a folder's entries at once):
    // see the turn taken before each blob below.
    iterate: async (walk, children) => {
      const out: unknown[] = [];
      for (const child of children) out.push(await walk(child));
      return out;
    },
    map: async (filepath, [entry]) => {
      if (!entry || filepath === ".") return true;
      const type = await entry.type();
      if (type === "tree") {
        // Hidden folders hold tool state (.github, .vscode), not fleet documents.
        if (path.posix.basename(filepath).startsWith(".")) return null;
        return leadsTo(filepath, prefix) ? true : null;
      }
      if (type !== "blob" || !isFleetFile(filepath, subPath)) return null;
      if ((await entry.mode()) === SYMLINK_MODE) {
        const target = decoder.decode((await entry.content()) ?? new Uint8Array());
        const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(filepath), target));
        if (path.posix.isAbsolute(target) || resolved === ".." || resolved.startsWith("../")) {
          refused.push({ path: filepath, code: "symlink-escape", message: `${filepath} is a symlink to ${target}, outside the repository; berth does not follow it` });
        }
        // A link inside the repository is read through its target's own entry.
        return null;
      }
      // isomorphic-git inflates objects on this thread (pako), about 20 ms
      // per MiB out of a pack, and without a turn in between every blob of
      // a commit is read in one go: 20 files of 1 MiB held the event loop
      // for 150-540 ms at a time. One blob per turn lets /healthz answer.
      await nextTurn();
      const blob = await entry.content();
      if (!blob) return null;
      const tooLarge = blob.byteLength > MAX_FILE_BYTES;
      if (tooLarge) refused.push({ path: filepath, code: "file-too-large", message: `${filepath} is ${blob.byteLength} bytes, over the ${MAX_FILE_BYTES}-byte limit for one file` });
      // A file refused for its size was read all the same: it counts.
      const over = budget.take(filepath, blob.byteLength);
      if (over) throw new OverCap(over);
      if (tooLarge) return null;
      // Bytes that are not UTF-8 are named by offset, not read as U+FFFD (as for files on disk).
      const decoded = decodeFleetFile(filepath, blob);
      if (decoded.ok) files.push({ path: filepath, content: decoded.content });
      else refused.push(decoded.refused);
      return null;
    },
  }).then(
    () => undefined,
    (err: unknown) => {
      if (err instanceof OverCap) return err.refused;
      throw err;
    },
  );
  if (stopped) return { files: [], refused: [...refused, stopped].sort(byPath), commit: info };
  files.sort(byPath);
  refused.sort(byPath);
  return { files, ...(refused.length ? { refused } : {}), commit: info };
}
