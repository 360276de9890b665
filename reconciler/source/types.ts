/**
 * The git source as the rest of berth sees it: where a ref points, and the
 * files of a commit in the shape the loader reads. Only berth's own types
 * cross this boundary, never isomorphic-git's.
 */
import type { RepoSnapshot } from "../load/source.ts";

export interface CommitInfo {
  readonly sha: string;
  /** `Name <email>` of the author. */
  readonly author: string;
  /** The full commit message, trimmed. */
  readonly message: string;
  /** Milliseconds since the epoch (committer time). */
  readonly time: number;
}

export interface ResolvedRef {
  /** The commit the ref points to now (an annotated tag is peeled to its commit). */
  readonly commit: string;
  /** The full ref followed (`refs/heads/main`, `refs/tags/v1`), or the SHA itself when pinned to one. */
  readonly ref: string;
}

/**
 * The files of one commit as the loader takes them (`files`, `refused`),
 * plus the commit's metadata. File paths are relative to the repository
 * root — also with `--path`, which only filters (`deploy/web.yaml`, not
 * `web.yaml`) — so a diagnostic names the file as it is in the repository.
 */
export interface CommitSnapshot extends RepoSnapshot {
  readonly commit: CommitInfo;
}

/** Stops a watch; resolves once nothing more will fire. */
export interface Disposable {
  close(): Promise<void>;
}

export interface GitSource {
  /** Identity of the source for the `berth.owner` label: URL (without credentials) or `file://` path, plus `#path`. */
  readonly identity: string;
  /** Where the ref points now. For a remote: one request (the ref advertisement), no objects downloaded. */
  resolve(): Promise<ResolvedRef>;
  /** The fleet files of `commit`, fetching it first if needed. Checking out the same commit again is free. */
  checkout(commit: string): Promise<CommitSnapshot>;
  /**
   * The last commit this source checked out successfully, for use while the
   * remote cannot be reached; a remote keeps it in its cache across restarts.
   */
  lastGood(): Promise<ResolvedRef | undefined>;
  /** Calls `onChange` soon after the ref may have moved (local repositories only); polling stays the fallback. */
  watch?(onChange: () => void): Disposable;
}
