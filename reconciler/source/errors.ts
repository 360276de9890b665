/**
 * Errors of the git source, each with a stable `code`, structured `data`,
 * and `retryable`: true when the loop should try again later (the remote is
 * unreachable or failing), false when a human must act (credentials refused,
 * ref or repository not found). Messages never contain credentials: URLs are
 * shown without their userinfo, and secrets are never interpolated.
 */
export abstract class GitSourceError extends Error {
  abstract readonly code: string;
  /** True: try again later (with backoff). False: needs a human (fix credentials, ref, URL). */
  abstract readonly retryable: boolean;
  abstract readonly data: Readonly<Record<string, unknown>>;

  /** How each message ends: what happens next. */
  protected static outcome(retryable: boolean): string {
    return retryable ? "berth will retry; the last good commit stays in use" : "this needs a human; the last good commit stays in use";
  }
}

/** The remote did not answer, timed out, or answered with a server error (5xx). */
export class RemoteUnreachableError extends GitSourceError {
  readonly code = "GIT_REMOTE_UNREACHABLE";
  readonly retryable = true;
  constructor(readonly data: { readonly url: string; readonly cause: string }) {
    super(`cannot reach git remote ${data.url}: ${data.cause} (${GitSourceError.outcome(true)})`);
  }
}

/** The remote asked for credentials and refused the ones berth has (or berth has none). */
export class CredentialsRefusedError extends GitSourceError {
  readonly code = "GIT_CREDENTIALS_REFUSED";
  readonly retryable = false;
  constructor(readonly data: { readonly url: string; readonly hadCredentials: boolean }) {
    super(
      `git remote ${data.url} refused ${
        data.hadCredentials
          ? "the credentials from BERTH_GIT_TOKEN / BERTH_GIT_USERNAME / BERTH_GIT_PASSWORD"
          : "access without credentials; set BERTH_GIT_TOKEN (or BERTH_GIT_USERNAME and BERTH_GIT_PASSWORD)"
      } (${GitSourceError.outcome(false)})`,
    );
  }
}

/** Credentials are set, but the remote is plain http:// on another machine: anyone on the path would read them. */
export class PlainHttpCredentialsError extends GitSourceError {
  readonly code = "GIT_PLAIN_HTTP_CREDENTIALS";
  readonly retryable = false;
  constructor(readonly data: { readonly url: string }) {
    super(`refusing to send the git credentials (BERTH_GIT_TOKEN / BERTH_GIT_USERNAME / BERTH_GIT_PASSWORD) to ${data.url} over plain http://; use its https:// URL (plain http carries credentials only to a loopback address) (${GitSourceError.outcome(false)})`);
  }
}

/** The branch, tag or commit berth is pinned to does not exist (any more) in the repository. */
export class RefNotFoundError extends GitSourceError {
  readonly code = "GIT_REF_NOT_FOUND";
  readonly retryable = false;
  constructor(readonly data: { readonly url: string; readonly ref: string }) {
    super(`git repository ${data.url} has no branch, tag or commit "${data.ref}" (${GitSourceError.outcome(false)})`);
  }
}

/** `--repo` names no git repository: a local path that is not one, or a URL the server answers 404 for. */
export class NotARepositoryError extends GitSourceError {
  readonly code = "GIT_NOT_A_REPOSITORY";
  readonly retryable = false;
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
