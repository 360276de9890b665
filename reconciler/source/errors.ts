/**
 * Errors of the git source (model/berth-error.ts): `retry` when the remote
 * is unreachable or failing, `stalled` when a human must act (credentials
 * refused, ref or repository not found). Messages never contain
 * credentials: URLs are shown without their userinfo, and secrets are never
 * interpolated.
 */
import { BerthError, type Reaction } from "../model/berth-error.ts";

export abstract class GitSourceError extends BerthError {
  /** How each message ends: what happens next. */
  protected static outcome(reaction: Reaction): string {
    return reaction === "retry" ? "berth will retry; the last good commit stays in use" : "this needs a human; the last good commit stays in use";
  }
}

/** The remote did not answer, timed out, or answered with a server error (5xx). */
export class RemoteUnreachableError extends GitSourceError {
  readonly code = "git-remote-unreachable";
  readonly reaction = "retry";
  constructor(readonly data: { readonly url: string; readonly cause: string }) {
    super(`cannot reach git remote ${data.url}: ${data.cause} (${GitSourceError.outcome("retry")})`);
  }
}

/** The remote asked for credentials and refused the ones berth has (or berth has none). */
export class CredentialsRefusedError extends GitSourceError {
  readonly code = "git-credentials-refused";
  readonly reaction = "stalled";
  constructor(readonly data: { readonly url: string; readonly hadCredentials: boolean }) {
    super(
      `git remote ${data.url} refused ${
        data.hadCredentials
          ? "the credentials from BERTH_GIT_TOKEN / BERTH_GIT_USERNAME / BERTH_GIT_PASSWORD"
          : "access without credentials; set BERTH_GIT_TOKEN (or BERTH_GIT_USERNAME and BERTH_GIT_PASSWORD)"
      } (${GitSourceError.outcome("stalled")})`,
    );
  }
}

/** Credentials are set, but the remote is plain http:// on another machine: anyone on the path would read them. */
export class PlainHttpCredentialsError extends GitSourceError {
  readonly code = "git-plain-http-credentials";
  readonly reaction = "stalled";
  constructor(readonly data: { readonly url: string }) {
    super(`refusing to send the git credentials (BERTH_GIT_TOKEN / BERTH_GIT_USERNAME / BERTH_GIT_PASSWORD) to ${data.url} over plain http://; use its https:// URL (plain http carries credentials only to a loopback address) (${GitSourceError.outcome("stalled")})`);
  }
}

/** The branch, tag or commit berth is pinned to does not exist (any more) in the repository. */
export class RefNotFoundError extends GitSourceError {
  readonly code = "git-ref-not-found";
  readonly reaction = "stalled";
  constructor(readonly data: { readonly url: string; readonly ref: string }) {
    super(`git repository ${data.url} has no branch, tag or commit "${data.ref}" (${GitSourceError.outcome("stalled")})`);
  }
}

/** `--repo` names no git repository: a local path that is not one, or a URL the server answers 404 for. */
export class NotARepositoryError extends GitSourceError {
  readonly code = "git-not-a-repository";
  readonly reaction = "stalled";
  constructor(readonly data: { readonly path: string; readonly reason?: string }) {
    super(`${data.path} is not a git repository (${data.reason ?? "neither a work tree with .git nor a bare repository"})`);
  }
}

/**
 * A URL as it may be shown: without user or password.
 *
 * @example redactUrl("https://me:s3cret@git.example/fleet.git") // "https://git.example/fleet.git"
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//");
  }
}

/** `--repo` is an SSH remote (`ssh://…`, `git@host:path`): isomorphic-git speaks only http(s), so berth says what to use instead. */
export class SshRemoteError extends GitSourceError {
  readonly code = "git-ssh-remote";
  readonly reaction = "stalled";
  constructor(readonly data: { readonly repo: string; readonly httpsGuess?: string }) {
    super(
      `--repo ${data.repo} is an SSH remote, and berth reads git over https:// or from a local clone only: ` +
        `pass its https:// URL${data.httpsGuess ? ` (likely ${data.httpsGuess})` : ""} with credentials in BERTH_GIT_TOKEN (or BERTH_GIT_USERNAME and BERTH_GIT_PASSWORD), ` +
        `or clone it (git clone ${data.repo}) and pass the clone's path`,
    );
  }
}
