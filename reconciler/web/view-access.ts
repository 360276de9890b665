/**
 * Who may see the fleet view when BERTH_STATUS_TOKEN is set. A browser
 * cannot send `Authorization: Bearer` with a page load, so the page takes
 * the token once through a sign-in form (POSTed: never in a URL, a
 * browser's history or an access log) and answers with a cookie. The
 * cookie holds an HMAC of the token, not the token: it opens the view only,
 * and a leaked cookie is no bearer token for `/status` or `/metrics`. It is
 * HttpOnly (no script reads it) and SameSite=Strict (no other site's page
 * sends it); Secure when the request came over https (a TLS proxy in front
 * sets X-Forwarded-Proto). `Authorization: Bearer <token>` opens the view
 * too, for curl and tests.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { getCookie, setCookie, deleteCookie } from "hono/cookie";
import { bearerMatches } from "../loop/status-token.ts";

export const VIEW_COOKIE = "berth_view";
/** A sign-in lasts a working day. */
const COOKIE_MAX_AGE_S = 12 * 60 * 60;

/** The cookie value for `token`: an HMAC under the token, so it can be checked without being stored. */
export function viewCookieValue(token: string): string {
  return createHmac("sha256", token).update("berth fleet view v1").digest("base64url");
}

/** Compared as digests: constant-time whatever was sent, and the token's length does not leak. */
function sameText(a: string, b: string): boolean {
  const digest = (t: string) => createHash("sha256").update(t).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Whether `given` (the sign-in form's field) is the token. */
export function tokenMatches(token: string, given: string): boolean {
  return sameText(token, given);
}

/** Whether the request may see the view: no token set, the bearer header, or the sign-in cookie. */
export function mayView(c: Context, token: string | undefined): boolean {
  if (!token) return true;
  if (bearerMatches(token, c.req.header("authorization"))) return true;
  const cookie = getCookie(c, VIEW_COOKIE);
  return cookie !== undefined && sameText(cookie, viewCookieValue(token));
}

function overHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
}

export function signIn(c: Context, token: string): void {
  setCookie(c, VIEW_COOKIE, viewCookieValue(token), { path: "/", httpOnly: true, sameSite: "Strict", maxAge: COOKIE_MAX_AGE_S, secure: overHttps(c) });
}

export function signOut(c: Context): void {
  deleteCookie(c, VIEW_COOKIE, { path: "/", httpOnly: true, sameSite: "Strict", secure: overHttps(c) });
}
