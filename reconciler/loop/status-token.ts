/**
 * The optional bearer token (BERTH_STATUS_TOKEN) in front of `/status` and
 * `/metrics`: both tell whoever asks which hosts, images and commits the
 * fleet runs. `/healthz` stays open for load balancers and probes.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";

const sha256 = (text: string) => createHash("sha256").update(text).digest();

/**
 * Whether `authorization` is `Bearer <token>`. Both sides are hashed first so
 * the comparison is constant-time over equal lengths whatever was sent: how
 * long the token is does not leak either.
 */
export function bearerMatches(token: string, authorization: string | undefined): boolean {
  const m = /^Bearer +(.*?)\s*$/i.exec(authorization ?? "");
  const same = timingSafeEqual(sha256(m?.[1] ?? ""), sha256(token));
  return m !== null && same;
}

/** Answers 401 unless the request carries the token. */
export function requireStatusToken(token: string): MiddlewareHandler {
  return async (c, next) => {
    if (bearerMatches(token, c.req.header("authorization"))) return next();
    return c.json({ error: `${c.req.path} needs the header "Authorization: Bearer <token>", with the token berth run was started with in BERTH_STATUS_TOKEN` }, 401, { "www-authenticate": 'Bearer realm="berth"' });
  };
}
