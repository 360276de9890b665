/// <reference lib="dom" />
/**
 * The fleet view in a real browser (issue 18): headless chromium on the
 * page a real `berth run` serves, following examples-repo on the bed's git
 * server, behind BERTH_STATUS_TOKEN. The page must list examples-repo's
 * services and hosts with the ready counts /status gives, show a rollout
 * move on without a reload, show an invalid commit's diagnostic at
 * file:line, and log no console error on the way.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { useBed } from "../../support/bed.ts";
import { DaemonHarness, until } from "../../support/daemon-harness.ts";
import { PROXY_IMAGE } from "../../../testbed/images.ts";
import { repoRoot, type BedLayout } from "../../../testbed/layout.ts";
import type { DaemonStatus } from "../../../reconciler/loop/status.ts";
import { consoleErrors, launchChromium, transferSizes } from "./browser.ts";

const TOKEN = "fleet-view-test-token-7f3a9c";
const examples = path.join(repoRoot, "examples-repo");

/** examples-repo's files, with its exposed ports moved to ones of this run: other tests on the bed may hold 18080 and 16379. */
function examplesRepo(): Record<string, string> {
  const ports = 20_000 + (process.pid % 4000) * 2;
  const files: Record<string, string> = {};
  for (const rel of readdirSync(examples, { recursive: true, encoding: "utf8" })) {
    const full = path.join(examples, rel);
    if (!rel.endsWith(".yaml") && !rel.endsWith(".md")) continue;
    files[rel] = readFileSync(full, "utf8").replace(/port: 18080\b/g, `port: ${ports}`).replace(/port: 16379\b/g, `port: ${ports + 1}`);
  }
  return files;
}

describe("the fleet view in chromium, on a daemon following examples-repo", function () {
  this.timeout(180_000);
  let bed: BedLayout;
  let d: DaemonHarness;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let sizes: Map<string, number>;
  let files: Record<string, string>;
  const shots = mkdtempSync(path.join(os.tmpdir(), "berth-web-view-"));

  const status = async (): Promise<DaemonStatus> => (await (await fetch(`http://${d.listen}/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as DaemonStatus;
  /** Each row's text for `selector`, read in the page. */
  const texts = (selector: string): Promise<string[]> => page.$$eval(selector, (els) => els.map((e) => (e as HTMLElement).innerText.replace(/\s+/g, " ").trim()));

  before(async function () {
    bed = await useBed(this);
    browser = await launchChromium(this);
    const work = mkdtempSync(path.join(os.tmpdir(), "berth-web-operator-"));
    const operator = path.join(work, "operator.yaml");
    writeFileSync(operator, `apiVersion: berth/v1\nkind: OperatorConfig\ntraffic:\n  proxyImage: ${PROXY_IMAGE}\n`);
    d = new DaemonHarness(bed, { name: "web-view", interval: "1s", env: { BERTH_CONFIG: operator, BERTH_STATUS_TOKEN: TOKEN, BERTH_SECRET_DEMO_API_TOKEN: "demo-token-not-a-real-secret" } });
    d.init();
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1000 });
    errors = consoleErrors(page);
    sizes = await transferSizes(page);
  });

  after(async function () {
    if (this.currentTest?.state === "failed") console.log(d?.logTail(40));
    await browser?.close();
    await d?.cleanup();
  });

  it("signs in with the token and lists examples-repo's services and hosts with the ready counts /status gives", async function () {
    const t0 = Date.now();
    files = examplesRepo();
    const sha = d.push(files, "examples-repo");
    await d.start();
    await page.goto(`http://${d.listen}/`);
    await page.type("#token", TOKEN);
    await Promise.all([page.waitForNavigation(), page.click("form.login button")]);
    assert.ok(await page.$("#fleet"), "the fleet view after sign-in");
    // Converged: read from /status, then the page (updated by its poll, not reloaded) must agree.
    let last: DaemonStatus | undefined;
    const s = await until(
      "examples-repo converged",
      async () => {
        const x = (last = await status());
        return x.source.commitApplied === sha && x.services.length >= 3 && x.services.every((v) => v.health === "healthy") ? x : undefined;
      },
      90_000,
      { everyMs: 500 },
    ).catch((err: unknown) => {
      const where = last ? `applied ${last.source.commitApplied ?? "none"}; ${last.services.map((v) => `${v.name} ${v.ready}/${v.desired} ${v.health} ${v.lastResult ?? ""} ${v.reason ?? ""}`).join("; ")}; hosts ${last.hosts.map((h) => `${h.name} ${h.state}`).join(", ")}; held ${JSON.stringify(last.held)}` : "no status";
      throw new Error(`${String(err)}\n${where}\n${d.logTail(30)}`);
    });
    assert.deepEqual(s.services.map((v) => v.name).filter((n) => n !== "berth-proxy").sort(), ["api", "cache", "reporter", "web"]);
    const expected = s.services.map((v) => `${v.name} ${v.ready}/${v.desired}`).sort();
    assert.deepEqual(expected.filter((e) => !e.startsWith("berth-proxy")), ["api 2/2", "cache 1/1", "reporter 2/2", "web 3/3"]);
    await page.waitForFunction(
      (want: string[]) => {
        const rows = [...document.querySelectorAll("tr[data-service]")].map((r) => `${r.getAttribute("data-service")} ${r.querySelector("td[data-ready]")?.textContent}`);
        return JSON.stringify(rows.sort()) === JSON.stringify(want);
      },
      { timeout: 10_000 },
      expected,
    );
    const hosts = await texts("tr[data-host]");
    assert.deepEqual(hosts.map((h) => h.split(" ").slice(0, 2).join(" ")), ["h1 up", "h2 up", "h3 up"], `hosts: ${hosts.join(" | ")}`);
    const pageBytes = sizes.get("/") ?? 0;
    console.log(`      converged and shown in ${Date.now() - t0} ms; page transferred: ${(pageBytes / 1024).toFixed(1)} kB (/), a poll with changes: ${((sizes.get("/ui/fleet") ?? 0) / 1024).toFixed(1)} kB`);
    assert.ok(pageBytes > 0 && pageBytes < 100 * 1024, `${pageBytes} bytes`);
    await page.screenshot({ path: path.join(shots, "converged.png"), fullPage: true });
  });

  it("shows the rollout of a new commit live, slot by slot, without a reload", async function () {
    await page.evaluate(() => {
      const w = window as unknown as { sameDocument: boolean; phases: string[] };
      w.sameDocument = true;
      w.phases = [];
      // Every phase any slot of web's rollout is shown in, as the poll swaps the content in.
      new MutationObserver(() => {
        for (const b of document.querySelectorAll('#rollout [data-rollout-service="web"] tr[data-slot] .badge')) {
          const phase = `${b.closest("tr")!.getAttribute("data-slot")}:${b.textContent}`;
          if (!w.phases.includes(phase)) w.phases.push(phase);
        }
      }).observe(document.body, { childList: true, subtree: true });
    });
    const t0 = Date.now();
    const v2 = d.push({ "services/web.yaml": files["services/web.yaml"]!.replace("berth/app:v1", "berth/app:v2") }, "web: app v2");
    await page.waitForSelector('#rollout[data-running="true"] [data-rollout-service="web"] .badge.busy', { timeout: 30_000 });
    await page.screenshot({ path: path.join(shots, "rollout.png"), fullPage: true });
    const gate = await texts('#rollout [data-rollout-service="web"] tr[data-slot]');
    assert.ok(
      gate.some((row) => / launching .* of 2 m deadline/.test(row)),
      `a launching slot with its time against web's progressDeadline (2m): ${gate.join(" | ")}`,
    );
    await page.waitForFunction((short: string) => document.querySelector('tr[data-service="web"] code.sha')?.textContent === short && document.querySelector('#rollout[data-running="false"]') !== null, { timeout: 90_000 }, v2.slice(0, 8));
    const seen = await page.evaluate(() => (window as unknown as { sameDocument?: boolean; phases: string[] }).phases.concat(String((window as unknown as { sameDocument?: boolean }).sameDocument)));
    assert.equal(seen.pop(), "true", "the page was not reloaded");
    for (const slot of [0, 1, 2]) {
      assert.ok(seen.includes(`${slot}:launching`) || seen.includes(`${slot}:ready`) || seen.includes(`${slot}:routed`), `slot ${slot} was seen on its way: ${seen.join(", ")}`);
    }
    assert.deepEqual((await texts('#rollout [data-rollout-service="web"] tr[data-slot] .badge')), ["done", "done", "done"]);
    console.log(`      web v1 → v2 followed on the page in ${Date.now() - t0} ms; phases seen: ${seen.join(", ")}`);
  });

  it("shows the diagnostic of a commit that does not validate, at file:line", async function () {
    const web = files["services/web.yaml"]!.replace("berth/app:v1", "berth/app:v2");
    const line = web.split("\n").findIndex((l) => /^ {2}replicas: 3$/.test(l)) + 1;
    assert.ok(line > 0);
    const bad = d.push({ "services/web.yaml": web.replace(/^ {2}replicas: 3$/m, "  replicas: three") }, "web: replicas three (invalid)");
    await page.waitForFunction((short: string) => document.querySelector("#held code.sha")?.textContent === short, { timeout: 20_000 }, bad.slice(0, 8));
    const diagnostics = await texts("#held ul.diagnostics li");
    assert.ok(
      diagnostics.some((t) => t.startsWith(`services/web.yaml:${line}:`)),
      `a diagnostic at services/web.yaml:${line}: ${diagnostics.join(" | ")}`,
    );
    // The fleet stays at the last good commit.
    assert.deepEqual(await texts('tr[data-service="web"] td[data-ready]'), ["3/3"]);
    await page.screenshot({ path: path.join(shots, "invalid.png"), fullPage: true });
    console.log(`      screenshots in ${shots}`);
  });

  it("logged no console error and no failed request", () => {
    assert.deepEqual(errors, []);
  });
});
