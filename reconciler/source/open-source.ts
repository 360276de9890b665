/**
 * Picks the git source for `--repo`: an http(s) URL, or a local path. An
 * SSH remote is refused with what to use instead (ssh-remote.ts).
 */
import path from "node:path";
import { SshRemoteError } from "./errors.ts";
import { LocalGitSource } from "./local-source.ts";
import { RemoteGitSource } from "./remote-source.ts";
import { sshRemote } from "./ssh-remote.ts";
import type { GitSource } from "./types.ts";

export interface OpenSourceOptions {
  /** An http(s) URL or a local path to a repository (work tree or bare). */
  readonly repo: string;
  /** Branch, tag or commit SHA; default: the remote's default branch (or the local `HEAD`). */
  readonly ref?: string;
  /** `--path`: only files under this folder are read; their paths stay relative to the repository root. */
  readonly subPath?: string;
  /** berth's state folder (default `.berth`); a remote's cache lives in `<stateDir>/cache/git`. */
  readonly stateDir?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The source for `--repo`; no I/O happens until `resolve`.
 *
 * @example
 * const source = openSource({ repo: "https://git.example/fleet.git", ref: "main", stateDir: ".berth" });
 * const { commit } = await source.resolve();
 * const { files } = await source.checkout(commit);
 */
export function openSource(opts: OpenSourceOptions): GitSource {
  const ssh = /^https?:\/\//i.test(opts.repo) ? undefined : sshRemote(opts.repo);
  if (ssh) throw new SshRemoteError({ repo: ssh.shown, ...(ssh.httpsGuess ? { httpsGuess: ssh.httpsGuess } : {}) });
  const common = { ...(opts.ref ? { ref: opts.ref } : {}), ...(opts.subPath ? { subPath: opts.subPath } : {}) };
  if (/^https?:\/\//i.test(opts.repo)) {
    return new RemoteGitSource({
      url: opts.repo,
      cacheDir: path.join(opts.stateDir ?? ".berth", "cache", "git"),
      ...common,
      ...(opts.env ? { env: opts.env } : {}),
    });
  }
  return new LocalGitSource({ path: opts.repo, ...common });
}
