/**
 * HTTP basic auth for the test bed's git server: a list of `{ username, token }`
 * pairs, compared in constant time.
 */
import { timingSafeEqual } from "node:crypto";

export interface GitCredential {
  readonly username: string;
  readonly token: string;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The user an `Authorization: Basic …` header proves, or undefined when the
 * header is absent, malformed or names no known user with that token.
 *
 * @example authenticatedUser("Basic YmVydGg6dA==", [{ username: "berth", token: "t" }]) // "berth"
 */
export function authenticatedUser(header: string | undefined, credentials: readonly GitCredential[]): string | undefined {
  if (!header?.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  const user = decoded.slice(0, colon);
  const pass = decoded.slice(colon + 1);
  return credentials.some((c) => c.username === user && sameSecret(c.token, pass)) ? user : undefined;
}

/** Reads and checks a credentials file's JSON: a list of `{ username, token }` with non-empty strings. */
export function parseCredentials(json: string, file: string): GitCredential[] {
  const value: unknown = JSON.parse(json);
  const ok = Array.isArray(value) && value.every((c) => typeof c?.username === "string" && c.username !== "" && typeof c?.token === "string" && c.token !== "");
  if (!ok) throw new Error(`credentials file "${file}" must hold a JSON list of { "username": "...", "token": "..." } with non-empty strings`);
  return (value as GitCredential[]).map((c) => ({ username: c.username, token: c.token }));
}
