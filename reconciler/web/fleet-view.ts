/**
 * The fleet view's routes on `berth run`'s `--listen`: `GET /` (the page,
 * server-rendered), `GET /ui/fleet?after=<etag>` (its content again, for
 * the page's poll; 204 while the status is the one `after` names: a 304
 * to a no-store fetch shows as a failed request in chromium), and, when BERTH_STATUS_TOKEN is
 * set, `POST /ui/login` and `POST /ui/logout` (view-access.ts). Read-only:
 * nothing here changes the fleet.
 */
import { createHash } from "node:crypto";
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { compress } from "hono/compress";
import type { DaemonStatus } from "../loop/status.ts";
import { PAGE_SCRIPT } from "./page-script.ts";
import { PAGE_STYLE } from "./page-style.ts";
import { renderFleet } from "./render-fleet.ts";
import { renderPage, renderSignIn } from "./render-page.ts";
import { mayView, signIn, signOut, tokenMatches } from "./view-access.ts";

export interface FleetViewDeps {
  readonly status: () => DaemonStatus;
  /** BERTH_STATUS_TOKEN: when set, the view needs it (a sign-in cookie, or the bearer header). */
  readonly token?: string;
  /** The clock "3 s ago" is reckoned from (default Date.now). */
  readonly now?: () => number;
}

const sha256 = (text: string, enc: "base64" | "base64url") => createHash("sha256").update(text).digest(enc);

/** Only the inline style and script this module serves may run: nothing injected into the page would. */
const CSP = [
  "default-src 'none'",
  `script-src 'sha256-${sha256(PAGE_SCRIPT, "base64")}'`,
  `style-src 'sha256-${sha256(PAGE_STYLE, "base64")}'`,
  "connect-src 'self'",
  "img-src data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

const viewHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header("content-security-policy", CSP);
  c.header("x-content-type-options", "nosniff");
  c.header("referrer-policy", "no-referrer");
  c.header("cache-control", "no-store");
};

/** Weak: the body is compressed or not; the status it was rendered from is the same. */
const etagOf = (status: DaemonStatus) => `W/"${sha256(JSON.stringify(status), "base64url").slice(0, 22)}"`;

/** Mounted with `app.route("/", fleetView(…))`; its middleware is on its own paths only, not on `/status` or `/metrics`. */
export function fleetView(deps: FleetViewDeps): Hono {
  const app = new Hono();
  const now = deps.now ?? Date.now;
  const { token } = deps;
  for (const path of ["/", "/ui/*"]) {
    app.use(path, viewHeaders);
    app.use(path, compress());
  }
  app.get("/", (c) => {
    // A page that asks for the token, not a failed request: 200, so a browser's console shows no error for it.
    if (!mayView(c, token)) return c.html(renderSignIn());
    const status = deps.status();
    return c.html(renderPage(status, now(), { etag: etagOf(status), signedIn: token !== undefined }));
  });
  app.get("/ui/fleet", (c) => {
    if (!mayView(c, token)) return c.text("the fleet view needs the status token: sign in at /\n", 401);
    const status = deps.status();
    const etag = etagOf(status);
    if (c.req.query("after") === etag) return c.body(null, 204, { etag });
    return c.html(renderFleet(status, now()), 200, { etag });
  });
  app.post("/ui/login", bodyLimit({ maxSize: 4096, onError: (c) => c.text("the sign-in form is a few bytes, not this\n", 413) }), async (c) => {
    if (!token) return c.redirect("../", 303);
    const form = await c.req.parseBody();
    const given = typeof form.token === "string" ? form.token : "";
    if (!tokenMatches(token, given)) return c.html(renderSignIn("That is not the token berth run was started with."), 401);
    signIn(c, token);
    return c.redirect("../", 303);
  });
  app.post("/ui/logout", (c) => {
    signOut(c);
    return c.redirect("../", 303);
  });
  return app;
}
