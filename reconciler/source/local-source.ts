/**
 * A git repository on this machine, bare or not. berth reads its commits
 * (never the work tree: an uncommitted edit is not a deployment), and
 * watches its refs so that a new commit is noticed at once.
 */
import fs from "node:fs";
import path from "node:path";
import git from "isomorphic-git";
import { watch } from "chokidar";
import { NotARepositoryError, RefNotFoundError } from "./errors.ts";
import { findGitdir } from "./find-gitdir.ts";
import { readCommit } from "./read-commit.ts";
import type { CommitSnapshot, Disposable, GitSource, ResolvedRef } from "./types.ts";

const FULL_SHA = /^[0-9a-f]{40}$/;
/** Shortest abbreviated SHA accepted, as `git rev-parse` does by default. */
const SHORT_SHA = /^[0-9a-f]{7,39}$/;
/** How long the watcher waits for a burst of ref writes to settle before calling back. */
const SETTLE_MS = 5;

export { findGitdir } from "./find-gitdir.ts";

export interface LocalSourceOptions {
  /** The repository: a work tree or a bare repository. */
  readonly path: string;
  /** Branch, tag, or (abbreviated) commit SHA; default: what `HEAD` points to. */
  readonly ref?: string;
  /** Only files under this folder are read (paths stay relative to the repository root). */
  readonly subPath?: string;
}

export class LocalGitSource implements GitSource {
  readonly identity: string;
  readonly gitdir: string;
  private last: CommitSnapshot | undefined;
  private lastRef: string | undefined;

  constructor(private readonly opts: LocalSourceOptions) {
    let abs: string;
    try {
      abs = fs.realpathSync(opts.path);
    } catch {
      throw new NotARepositoryError({ path: opts.path, reason: "no such folder" });
    }
    this.gitdir = findGitdir(abs);
    this.identity = `file://${abs}${opts.subPath ? `#${opts.subPath}` : ""}`;
  }

  async resolve(): Promise<ResolvedRef> {
    const ref = this.opts.ref;
    const gitdir = this.gitdir;
    try {
      if (ref && FULL_SHA.test(ref)) return { commit: await this.peel(ref), ref };
      // HEAD, a branch or a tag — a name wins over an abbreviated SHA, as in git.
      const full = await git.expandRef({ fs, gitdir, ref: ref ?? "HEAD" }).catch(() => undefined);
      if (full) {
        // For HEAD, name the branch it points to (depth 2 stops at the symbolic ref).
        const named = full === "HEAD" ? await git.resolveRef({ fs, gitdir, ref: "HEAD", depth: 2 }) : full;
        const followed = FULL_SHA.test(named) ? "HEAD" : named;
        return { commit: await this.peel(await git.resolveRef({ fs, gitdir, ref: full })), ref: followed };
      }
      if (ref && SHORT_SHA.test(ref)) {
        const oid = await git.expandOid({ fs, gitdir, oid: ref });
        return { commit: await this.peel(oid), ref: oid };
      }
    } catch {
      // Fall through: an unborn HEAD, a dangling ref, an unknown SHA — all "not found".
    }
    throw new RefNotFoundError({ url: this.identity, ref: ref ?? "HEAD" });
  }

  /** The commit `oid` names, following annotated tags. */
  private async peel(oid: string): Promise<string> {
    for (let depth = 0; depth < 10; depth++) {
      const { type } = await git.readObject({ fs, gitdir: this.gitdir, oid, format: "content" });
      if (type === "commit") return oid;
      if (type !== "tag") break;
      oid = (await git.readTag({ fs, gitdir: this.gitdir, oid })).tag.object;
    }
    throw new Error(`${oid} is not a commit`);
  }

  async checkout(commit: string): Promise<CommitSnapshot> {
    if (this.last?.commit.sha === commit) return this.last;
    let snap: CommitSnapshot;
    try {
      snap = await readCommit(this.gitdir, commit, this.opts.subPath);
    } catch {
      throw new RefNotFoundError({ url: this.identity, ref: commit });
    }
    this.last = snap;
    this.lastRef = this.opts.ref ?? "HEAD";
    return snap;
  }

  async lastGood(): Promise<ResolvedRef | undefined> {
    return this.last ? { commit: this.last.commit.sha, ref: this.lastRef ?? "HEAD" } : undefined;
  }

  /**
   * Watches loose refs, `packed-refs` and `HEAD`, and calls `onChange` (once
   * per burst of writes) when any of them moves. Lock files are ignored: git
   * writes `main.lock` and renames it to `main`, and only the rename means
   * the ref moved.
   */
  watch(onChange: () => void): Disposable {
    const watcher = watch([path.join(this.gitdir, "refs"), path.join(this.gitdir, "packed-refs"), path.join(this.gitdir, "HEAD")], {
      ignoreInitial: true,
      ignored: (p: string) => p.endsWith(".lock"),
    });
    let timer: NodeJS.Timeout | undefined;
    watcher.on("all", () => {
      clearTimeout(timer);
      timer = setTimeout(onChange, SETTLE_MS);
    });
    // A watcher error (a folder removed under it) must not crash the daemon; polling still runs.
    watcher.on("error", () => undefined);
    return {
      close: async () => {
        clearTimeout(timer);
        await watcher.close();
      },
    };
  }
}
