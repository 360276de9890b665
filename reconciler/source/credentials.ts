/**
 * Git credentials from the environment. They go to the remote as a basic
 * auth header and nowhere else: never into a URL, the cache's config, a log
 * line or an error.
 */
import type { AuthCallback, AuthFailureCallback } from "isomorphic-git";

export interface GitCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * `BERTH_GIT_TOKEN` (with `BERTH_GIT_USERNAME`, default `x-access-token`, as
 * GitHub and Gitea accept), or `BERTH_GIT_USERNAME` + `BERTH_GIT_PASSWORD`;
 * undefined when neither is set.
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): GitCredentials | undefined {
  if (env.BERTH_GIT_TOKEN) return { username: env.BERTH_GIT_USERNAME || "x-access-token", password: env.BERTH_GIT_TOKEN };
  if (env.BERTH_GIT_USERNAME && env.BERTH_GIT_PASSWORD) return { username: env.BERTH_GIT_USERNAME, password: env.BERTH_GIT_PASSWORD };
  return undefined;
}

/** True when credentials may go to `url`: https, or plain http to a loopback address (a local git server, the test bed's). */
export function credentialsMayGo(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === "https:") return true;
  const host = u.hostname.replace(/^\[|\]$/g, "");
  return u.protocol === "http:" && (host === "localhost" || host === "::1" || /^127\./.test(host));
}

export interface AuthOptions {
  readonly headers: Record<string, string>;
  readonly onAuth: AuthCallback;
  readonly onAuthFailure: AuthFailureCallback;
}

/**
 * What to hand isomorphic-git so a login costs no extra request and a
 * refusal stops at once. The credentials are sent with the first request
 * (isomorphic-git's `onAuth` alone would wait for a 401 first, doubling the
 * requests of every poll); so when the remote still answers 401, offering
 * them again cannot help, and both callbacks cancel — isomorphic-git then
 * throws `UserCanceledError` instead of looping.
 */
export function authOptions(creds: GitCredentials | undefined): AuthOptions {
  const cancel = () => ({ cancel: true });
  return {
    headers: creds ? { Authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}` } : {},
    onAuth: cancel,
    onAuthFailure: cancel,
  };
}
