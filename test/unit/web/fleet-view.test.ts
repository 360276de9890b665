/**
 * The fleet view's routes on the daemon's app (loop/http-server.ts): open
 * without a token; with BERTH_STATUS_TOKEN, a sign-in form whose cookie
 * opens the view and nothing else.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Registry } from "prom-client";
import { httpApp } from "../../../reconciler/loop/http-server.ts";
import type { DaemonStatus } from "../../../reconciler/loop/status.ts";
import { PAGE_SCRIPT } from "../../../reconciler/web/page-script.ts";
import { VIEW_COOKIE } from "../../../reconciler/web/view-access.ts";
import { smallStatus } from "./synthetic-status.ts";

const TOKEN = "view-token-for-tests-0123456789";

function app(status: () => DaemonStatus, statusToken?: string) {
  return httpApp({ status, registry: new Registry(), onWebhook: () => {}, ...(statusToken ? { statusToken } : {}) });
}

const form = (token: string) => ({ method: "POST", body: new URLSearchParams({ token }), headers: { "content-type": "application/x-www-form-urlencoded" } });

describe("the fleet view's routes", () => {
  it("serves the page at / without a token when none is set, with a CSP that allows only its own script", async () => {
    const res = await app(smallStatus).request("/");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^text\/html/);
    const body = await res.text();
    assert.match(body, /<main id="fleet"/);
    const csp = res.headers.get("content-security-policy")!;
    assert.ok(csp.includes(`script-src 'sha256-${createHash("sha256").update(PAGE_SCRIPT).digest("base64")}'`), csp);
    assert.ok(csp.includes("default-src 'none'"));
    assert.equal(res.headers.get("cache-control"), "no-store");
  });

  it("compresses the page for a browser that accepts gzip", async () => {
    const res = await app(smallStatus).request("/", { headers: { "accept-encoding": "gzip" } });
    assert.equal(res.headers.get("content-encoding"), "gzip");
  });

  it("answers the poll 204 while the status is the one it names, 200 with the content once it changes", async () => {
    let status = smallStatus();
    const a = app(() => status);
    const first = await a.request("/ui/fleet");
    assert.equal(first.status, 200);
    const etag = first.headers.get("etag")!;
    assert.match(await first.text(), /^<main id="fleet"/);
    const after = `/ui/fleet?after=${encodeURIComponent(etag)}`;
    assert.equal((await a.request(after)).status, 204);
    status = { ...status, held: [] };
    const changed = await a.request(after);
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get("etag"), etag);
  });

  it("leaves /status and /metrics as they were: no page middleware on them", async () => {
    const res = await app(smallStatus).request("/status", { headers: { "accept-encoding": "gzip" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-security-policy"), null);
    assert.equal(res.headers.get("content-encoding"), null);
  });

  describe("with BERTH_STATUS_TOKEN", () => {
    const a = app(smallStatus, TOKEN);

    it("asks for the token, showing nothing of the fleet", async () => {
      const res = await a.request("/");
      assert.equal(res.status, 200);
      const body = await res.text();
      assert.match(body, /<form method="post" action="ui\/login"/);
      for (const part of ["data-service", "fleet.git", "nightly-report", "h3"]) assert.ok(!body.includes(part), `${part} shown before sign-in`);
      assert.equal((await a.request("/ui/fleet")).status, 401);
    });

    it("refuses a wrong token, and sets no cookie", async () => {
      const res = await a.request("/ui/login", form("not-the-token"));
      assert.equal(res.status, 401);
      assert.equal(res.headers.get("set-cookie"), null);
      assert.match(await res.text(), /That is not the token/);
    });

    it("signs in with the token: an HttpOnly, SameSite=Strict cookie that is not the token opens / and /ui/fleet", async () => {
      const res = await a.request("/ui/login", form(TOKEN));
      assert.equal(res.status, 303);
      assert.equal(res.headers.get("location"), "../");
      const setCookie = res.headers.get("set-cookie")!;
      assert.match(setCookie, new RegExp(`^${VIEW_COOKIE}=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=/; HttpOnly; SameSite=Strict$`));
      assert.ok(!setCookie.includes(TOKEN));
      const cookie = setCookie.split(";")[0]!;
      assert.equal((await a.request("/", { headers: { cookie } })).status, 200);
      assert.equal((await a.request("/ui/fleet", { headers: { cookie } })).status, 200);
      // The cookie is for the view: /status and /metrics still want the bearer token.
      assert.equal((await a.request("/status", { headers: { cookie } })).status, 401);
      assert.equal((await a.request("/metrics", { headers: { cookie } })).status, 401);
      assert.equal((await a.request("/ui/fleet", { headers: { cookie: `${VIEW_COOKIE}=${TOKEN}` } })).status, 401);
    });

    it("marks the cookie Secure behind a TLS proxy", async () => {
      const res = await a.request("/ui/login", { ...form(TOKEN), headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-proto": "https" } });
      assert.match(res.headers.get("set-cookie")!, /; Secure/);
    });

    it("opens the view with the bearer header too", async () => {
      assert.equal((await a.request("/", { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
    });

    it("signs out by clearing the cookie", async () => {
      const res = await a.request("/ui/logout", { method: "POST" });
      assert.equal(res.status, 303);
      assert.match(res.headers.get("set-cookie")!, new RegExp(`^${VIEW_COOKIE}=; Max-Age=0`));
    });

    it("refuses a sign-in body past 4 kB", async () => {
      assert.equal((await a.request("/ui/login", form("x".repeat(5000)))).status, 413);
    });
  });

  it("is not served on the webhook listener", async () => {
    const res = await httpApp({ status: smallStatus, registry: new Registry(), onWebhook: () => {}, routes: "webhook" }).request("/");
    assert.equal(res.status, 404);
  });
});
