/**
 * A git remote over http(s), fetched with isomorphic-git into a cache folder
 * (one bare repository per URL) that is reused across runs and restarts.
 *
 * - `resolve` reads the ref advertisement only: one request, no objects.
 * - `checkout` fetches shallowly (depth 1, the followed ref only) when the
 *   commit is not cached yet; a force-pushed branch simply points elsewhere
 *   after the fetch. A damaged cache is deleted and fetched afresh.
 * - The last commit checked out is remembered, in memory and as a ref in the
 *   cache, so it stays usable while the remote cannot be reached.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import git, { type HttpClient } from "isomorphic-git";
import { classifyOrUnreachable, classifyRemoteError, type ErrorContext } from "./classify-error.ts";
import { authOptions, credentialsFromEnv, credentialsMayGo, type AuthOptions, type GitCredentials } from "./credentials.ts";
import { GitSourceError, PlainHttpCredentialsError, RefNotFoundError, redactUrl } from "./errors.ts";
import { createHttpClient, DEFAULT_TIMEOUT_MS } from "./http-client.ts";
import { readCommit } from "./read-commit.ts";
import type { CommitSnapshot, GitSource, ResolvedRef } from "./types.ts";

const SHA = /^[0-9a-f]{40}$/;
/** git's own "--unshallow" depth: the whole history. */
const FULL_DEPTH = 2147483647;

export interface RemoteSourceOptions {
  readonly url: string;
  /** Branch, tag or full commit SHA; default: the remote's default branch. */
  readonly ref?: string;
  /** Only files under this folder are read (paths stay relative to the repository root). */
  readonly subPath?: string;
  /** Folder for cached clones, one per URL (berth uses `<stateDir>/cache/git`). */
  readonly cacheDir: string;
  /** Where `BERTH_GIT_TOKEN` etc. are read; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** A request with no byte moving for this long fails as unreachable; default 30 s. */
  readonly timeoutMs?: number;
}

/** The cache folder of `url` under `cacheDir`: a hash of the URL without credentials. */
export function cacheDirFor(cacheDir: string, url: string): string {
  return path.join(cacheDir, `${createHash("sha256").update(redactUrl(url)).digest("hex").slice(0, 16)}.git`);
}

export class RemoteGitSource implements GitSource {
  readonly identity: string;
  /** The cache: a bare repository. */
  readonly gitdir: string;
  private readonly shownUrl: string;
  private readonly creds: GitCredentials | undefined;
  private readonly http: HttpClient;
  private readonly auth: AuthOptions;
  private readonly context: ErrorContext;
  /** The full ref the last resolve followed, so a fetch asks for just that. */
  private followed: string | undefined;
  private last: CommitSnapshot | undefined;
  /** Where the last good commit is kept in the cache; one per requested ref. */
  private readonly lastGoodRef: string;

  constructor(private readonly opts: RemoteSourceOptions) {
    this.shownUrl = redactUrl(opts.url);
    this.identity = `${this.shownUrl}${opts.subPath ? `#${opts.subPath}` : ""}`;
    this.creds = credentialsFromEnv(opts.env ?? process.env);
    // Credentials never travel over plain http to another machine: not even in a first request.
    this.auth = authOptions(this.creds && credentialsMayGo(opts.url) ? this.creds : undefined);
    this.http = createHttpClient(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.gitdir = cacheDirFor(opts.cacheDir, opts.url);
    const urlPassword = safeUrl(opts.url)?.password;
    this.context = {
      url: this.shownUrl,
      ...(opts.ref ? { ref: opts.ref } : {}),
      hadCredentials: this.creds !== undefined || Boolean(urlPassword),
      secrets: [this.creds?.password ?? "", urlPassword ? decodeURIComponent(urlPassword) : "", urlPassword ?? ""],
    };
    this.lastGoodRef = `refs/berth/last-good/${createHash("sha256").update(opts.ref ?? "HEAD").digest("hex").slice(0, 16)}`;
  }

  private get pinnedSha(): string | undefined {
    return this.opts.ref && SHA.test(this.opts.ref) ? this.opts.ref : undefined;
  }

  async resolve(): Promise<ResolvedRef> {
    if (this.creds && !credentialsMayGo(this.opts.url)) throw new PlainHttpCredentialsError({ url: this.shownUrl });
    const pinned = this.pinnedSha;
    if (pinned) return { commit: pinned, ref: pinned };
    let info;
    try {
      // Protocol v1: the advertisement itself lists every ref — one request.
      // (v2 needs a second one, `ls-refs`, to list them.)
      info = await git.getRemoteInfo2({ http: this.http, url: this.opts.url, protocolVersion: 1, ...this.auth, headers: { ...this.auth.headers } });
    } catch (err) {
      throw classifyOrUnreachable(err, this.context);
    }
    const refs = info.refs ?? [];
    const find = (name: string) => refs.find((r) => r.ref === name);
    const ref = this.opts.ref;
    let hit: { ref: string; oid: string; peeled?: string } | undefined;
    if (!ref) {
      const head = find("HEAD");
      const symref = String(info.capabilities["symref"] ?? "").replace(/^HEAD:/, "");
      const target = head?.target ?? (symref || undefined);
      const branch = target ? find(target) : undefined;
      hit = branch ?? head;
    } else {
      hit = find(ref.startsWith("refs/") ? ref : `refs/heads/${ref}`) ?? find(`refs/tags/${ref}`);
    }
    if (!hit) throw new RefNotFoundError({ url: this.shownUrl, ref: ref ?? "HEAD" });
    this.followed = hit.ref;
    return { commit: hit.peeled ?? hit.oid, ref: hit.ref };
  }

  async checkout(commit: string): Promise<CommitSnapshot> {
    if (this.last?.commit.sha === commit) return this.last;
    let snap: CommitSnapshot;
    try {
      if (!(await this.hasCommit(commit))) await this.fetch(commit);
      snap = await readCommit(this.gitdir, commit, this.opts.subPath);
    } catch (err) {
      if (err instanceof GitSourceError) throw err;
      // Not the remote's fault: the cache is damaged (a broken pack, a
      // truncated ref, a missing object). Start it over.
      fs.rmSync(this.gitdir, { recursive: true, force: true });
      try {
        await this.fetch(commit);
        snap = await readCommit(this.gitdir, commit, this.opts.subPath);
      } catch (again) {
        throw classifyOrUnreachable(again, this.context);
      }
    }
    this.last = snap;
    await this.remember(commit);
    return snap;
  }

  async lastGood(): Promise<ResolvedRef | undefined> {
    const ref = this.opts.ref ?? this.followed ?? "HEAD";
    if (this.last) return { commit: this.last.commit.sha, ref };
    try {
      const commit = await git.resolveRef({ fs, gitdir: this.gitdir, ref: this.lastGoodRef });
      return (await this.hasCommit(commit)) ? { commit, ref } : undefined;
    } catch {
      return undefined;
    }
  }

  private async hasCommit(commit: string): Promise<boolean> {
    try {
      await git.readCommit({ fs, gitdir: this.gitdir, oid: commit });
      return true;
    } catch {
      return false;
    }
  }

  /** Records `commit` as the last good one in the cache; a failure here only costs the restart fallback. */
  private async remember(commit: string): Promise<void> {
    await git.writeRef({ fs, gitdir: this.gitdir, ref: this.lastGoodRef, value: commit, force: true }).catch(() => undefined);
  }

  private async ensureCache(): Promise<void> {
    if (fs.existsSync(path.join(this.gitdir, "HEAD"))) return;
    fs.rmSync(this.gitdir, { recursive: true, force: true });
    await git.init({ fs, gitdir: this.gitdir, bare: true });
    // The URL kept in the cache's config has no credentials.
    await git.addRemote({ fs, gitdir: this.gitdir, remote: "origin", url: this.shownUrl, force: true });
  }

  /**
   * Brings `commit` into the cache: a shallow fetch of the followed ref, and
   * when the commit is not its tip (a pinned SHA, an older commit), the
   * whole history of every branch and tag.
   */
  private async fetch(commit: string): Promise<void> {
    await this.ensureCache();
    const common = { fs, http: this.http, gitdir: this.gitdir, url: this.opts.url, remote: "origin", ...this.auth };
    if (!this.pinnedSha) {
      if (!this.followed) await this.resolve();
      await this.guard(() => git.fetch({ ...common, headers: { ...this.auth.headers }, ref: this.followed!, singleBranch: true, depth: 1, tags: false, prune: true }));
      if (await this.hasCommit(commit)) return;
    }
    await this.guard(() => git.fetch({ ...common, headers: { ...this.auth.headers }, singleBranch: false, tags: true, depth: FULL_DEPTH, prune: true }));
    if (!(await this.hasCommit(commit))) throw new RefNotFoundError({ url: this.shownUrl, ref: commit });
  }

  /** Runs a fetch; failures that are about the remote become berth errors, the rest (cache damage) pass through. */
  private async guard(run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (err) {
      // A NotFoundError here may be a missing local object: leave it to the cache rebuild.
      const { ref: _ref, ...withoutRef } = this.context;
      throw classifyRemoteError(err, withoutRef) ?? err;
    }
  }
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
