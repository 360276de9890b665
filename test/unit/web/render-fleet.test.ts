import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import type { DaemonStatus } from "../../../reconciler/loop/status.ts";
import { renderFleet } from "../../../reconciler/web/render-fleet.ts";
import { renderPage } from "../../../reconciler/web/render-page.ts";
import { largeStatus, NOW, smallStatus } from "./synthetic-status.ts";

/** The `<tr>` whose attribute `attr` is `value`. */
function row(html: string, attr: string, value: string): string {
  const at = html.indexOf(`<tr ${attr}="${value}"`);
  assert.ok(at >= 0, `no row ${attr}=${value}`);
  return html.slice(at, html.indexOf("</tr>", at));
}

const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

describe("renderFleet (the fleet view's content)", () => {
  const html = renderFleet(smallStatus(), NOW);

  it("with --lock, says whether this instance leads or whom it follows; without, says nothing of it", () => {
    const since = new Date(NOW - 90_000).toISOString();
    const follower = text(renderFleet({ ...smallStatus(), leader: false, leadership: { leader: false, instance: "b", lock: "etcd://10.0.0.5:2379", holder: "a", since, reason: "a leads" } }, NOW));
    assert.match(follower, /Leadership follower b : a leads; this instance writes nothing \( etcd:\/\/10\.0\.0\.5:2379 \)/);
    const leader = text(renderFleet({ ...smallStatus(), leader: true, leadership: { leader: true, instance: "a", lock: "etcd://10.0.0.5:2379", holder: "a", since } }, NOW));
    assert.match(leader, /Leadership leader a since 1 m ago/);
    assert.doesNotMatch(text(html), /Leadership/);
  });

  it("gives each service its ready/desired and health in words", () => {
    assert.match(text(row(html, "data-service", "web")), /web .* 3\/3 .*healthy/);
    assert.match(row(html, "data-service", "api"), /class="num warn" data-ready>1\/2</);
    assert.match(text(row(html, "data-service", "api")), /degraded/);
  });

  it("lists each service's replicas by host behind a details, with state and age", () => {
    const api = row(html, "data-service", "api");
    assert.match(api, /<details data-key="svc:api"><summary>api<\/summary>/);
    assert.match(text(api), /h3 slot 1 not-ready exited \(1\) api-1/);
    assert.match(text(row(html, "data-service", "web")), /h1 slot 0 ready healthy web-0 up 1 m/);
  });

  it("shows where an exposed service answers", () => {
    const web = row(html, "data-service", "web");
    assert.match(text(web), /:18080 on 3 hosts/);
    assert.match(web, /<code>127\.0\.0\.12:18080<\/code> \(h2\)/);
  });

  it("gives hosts up or unreachable with why, and cpu and memory against capacity", () => {
    const h1 = row(html, "data-host", "h1");
    assert.match(h1, /<meter min="0" max="4" [^>]*value="0.75" aria-label="h1 cpu 19%">/);
    assert.match(text(h1), /up .*0\.75 \/ 4 .*192 MiB \/ 8\.0 GiB 3/);
    assert.match(text(row(html, "data-host", "h3")), /unreachable .*connect ECONNREFUSED 127\.0\.0\.13:2375/);
  });

  it("shows the rollout slot by slot, a launching slot's time against its progressDeadline", () => {
    assert.match(html, /<h2 id="h-rollout">Rollout in progress<\/h2>/);
    assert.match(text(row(html, "data-slot", "1")), /1 h2 replace launching 6 s ago 6 s of 10 m deadline starting pod web-1b/);
    assert.match(text(row(html, "data-slot", "2")), /2 h3 replace queued/);
  });

  it("shows held commits with their reason and the newest commit's diagnostics at file:line:col", () => {
    assert.match(html, /<code>services\/web\.yaml:14:12: error: spec\.replicas must be integer \(got &quot;three&quot;\)<\/code>/);
    assert.match(text(html), /held bbbbbbbb : web: health check failed: GET \/healthz answered 500/);
  });

  it("shows jobs' next and last runs with exit code and duration, and never a run's output", () => {
    assert.match(text(row(html, "data-job", "nightly-report")), /0 3 \* \* \* in 15 h 9 h ago succeeded exit 0, took 1\.2 s 1 earlier .*failed exit 2, took 45\.0 s/);
    assert.ok(!html.includes("hunter2"), "a job's output is not on the page");
  });

  it("lists the recent deployments newest first, with the commit's subject line", () => {
    const h = html.slice(html.indexOf(`id="h-history"`));
    assert.ok(h.indexOf("web: app v2") < h.indexOf("web: app v1"));
    assert.ok(!h.includes("longer body"));
  });

  it("escapes what comes from git and the engines", () => {
    const hostile = smallStatus();
    const s: DaemonStatus = { ...hostile, owner: `"><img src=x onerror=alert(1)>`, services: [{ ...hostile.services[0]!, name: "<script>alert(1)</script>", reason: "</td><script>x()</script>" }], diagnostics: ["a.yaml:1:1: error: <b>"] };
    const out = renderPage(s, NOW);
    assert.ok(!out.includes("<script>alert(1)"));
    assert.ok(!out.includes("<script>x()"));
    assert.ok(!out.includes("<img src=x"));
    assert.ok(!out.includes("error: <b>"));
    assert.match(out, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  it("folds a large host list behind a summary, unreachable hosts listed above it", () => {
    const big = renderFleet(largeStatus(10, 500), NOW);
    assert.match(big, /<p>10 <span class="badge bad">unreachable<\/span>:<\/p>/);
    assert.match(big, /<details data-key="hosts:all"><summary>All 500 hosts \(490 up\)<\/summary>/);
  });

  it("keeps 1,000 services and 500 hosts small and fast to render", function () {
    const t0 = performance.now();
    const page = renderPage(largeStatus(1000, 500), NOW);
    const ms = performance.now() - t0;
    const gz = gzipSync(page).length;
    const small = gzipSync(renderPage(smallStatus(), NOW)).length;
    console.log(`      page for 1,000 services / 500 hosts: ${(page.length / 1024).toFixed(0)} kB, ${(gz / 1024).toFixed(1)} kB gzipped, rendered in ${ms.toFixed(0)} ms; small fleet: ${(small / 1024).toFixed(1)} kB gzipped`);
    assert.ok(gz < 100 * 1024, `${gz} bytes gzipped`);
    assert.ok(ms < 1000, `${ms} ms`);
  });
});
