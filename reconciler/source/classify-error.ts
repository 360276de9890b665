/**
 * Turns what isomorphic-git and the network throw into berth's source
 * errors, so the loop can tell "retry later" from "needs a human" — and
 * so no secret reaches a message.
 */
import { CredentialsRefusedError, GitSourceError, NotARepositoryError, RefNotFoundError, RemoteUnreachableError } from "./errors.ts";

/** Socket-level failures: the remote is down, unknown or slow; worth retrying. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE", "ECONNABORTED", "UND_ERR_SOCKET"]);

export interface ErrorContext {
  /** The remote's URL without credentials. */
  readonly url: string;
  /** The ref asked for, when the operation was about one. */
  readonly ref?: string;
  readonly hadCredentials: boolean;
  /** Strings that must never appear in a message (passwords, tokens). */
  readonly secrets: readonly string[];
}

interface ThrownShape {
  code?: string;
  message?: string;
  data?: { statusCode?: number; statusMessage?: string };
  cause?: { code?: string };
}

/** `text` with every secret replaced by `***`. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s.length > 0).reduce((t, s) => t.split(s).join("***"), text);
}

/**
 * The berth error for a failure talking to a remote, or undefined when the
 * failure is not about the remote at all (most likely a damaged cache, which
 * the caller rebuilds).
 */
export function classifyRemoteError(err: unknown, ctx: ErrorContext): GitSourceError | undefined {
  if (err instanceof GitSourceError) return err;
  const e = (err ?? {}) as ThrownShape;
  const status = e.data?.statusCode;
  // isomorphic-git cancels (UserCanceledError) when onAuth/onAuthFailure give up on a 401.
  if (e.code === "UserCanceledError" || status === 401 || status === 403) return new CredentialsRefusedError({ url: ctx.url, hadCredentials: ctx.hadCredentials });
  if (status === 404) return new NotARepositoryError({ path: ctx.url, reason: "the server answered 404 Not Found" });
  if (e.code === "NotFoundError" && ctx.ref !== undefined) return new RefNotFoundError({ url: ctx.url, ref: ctx.ref });
  const net = [e.code, e.cause?.code].find((c) => c !== undefined && NETWORK_CODES.has(c));
  if (net) return new RemoteUnreachableError({ url: ctx.url, cause: net });
  if (e.message === "Request timed out") return new RemoteUnreachableError({ url: ctx.url, cause: "request timed out" });
  if (status !== undefined && (status >= 500 || status === 408 || status === 429)) {
    return new RemoteUnreachableError({ url: ctx.url, cause: `HTTP ${status}${e.data?.statusMessage ? ` ${e.data.statusMessage}` : ""}` });
  }
  return undefined;
}

/** `classifyRemoteError`, or else a retryable error carrying the original message with secrets masked. */
export function classifyOrUnreachable(err: unknown, ctx: ErrorContext): GitSourceError {
  const known = classifyRemoteError(err, ctx);
  if (known) return known;
  const text = err instanceof Error ? err.message : String(err);
  return new RemoteUnreachableError({ url: ctx.url, cause: maskSecrets(text, ctx.secrets) });
}
