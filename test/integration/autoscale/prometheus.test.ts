/**
 * Autoscaling on a Prometheus query, end to end (docs/autoscale.md): a real
 * `berth run`, the bed's Prometheus scraping each replica's own
 * `app_requests_per_second` (testbed/images/app.sh), and load from this
 * test, sent to the replicas' published ports. Under load the service scales
 * out; once the load stops it scales back to `min` after its (shortened)
 * scale-in window. The history and /status say why.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { rmSync } from "node:fs";
import { useBed } from "../../support/bed.ts";
import { DaemonHarness, sleep, until } from "../../support/daemon-harness.ts";
import { hostsYaml, serviceYaml } from "../../support/fleet-dir.ts";
import { PROMETHEUS_URL, type BedLayout } from "../../../testbed/layout.ts";
import { running, scaledLines, writeOperatorConfig } from "./autoscale-bed.ts";

/** Requests per second the test sends in all, spread over the replicas. */
const LOAD_RPS = 40;
/**
 * Per replica. At rest a replica sees ~2/s (health checks, scrapes); under
 * load one replica sees ~42/s, 4× the target, and three still ~15/s: the
 * count goes to max and stays there while the load lasts.
 */
const TARGET = 10;
const SCALE_IN_WINDOW_S = 20;
const SCALE_OUT_BOUND_MS = 30_000;
const SCALE_IN_BOUND_MS = (SCALE_IN_WINDOW_S + 20) * 1000;

/** Sends `rps` requests a second, round-robin over `targets()` (re-read each second), with keep-alive. */
class Load {
  sent = 0;
  failed = 0;
  private stopped = false;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly done: Promise<void>;

  constructor(rps: number, targets: () => Promise<string[]>) {
    this.done = this.run(rps, targets);
  }

  private async run(rps: number, targets: () => Promise<string[]>): Promise<void> {
    let addrs: string[] = [];
    let i = 0;
    while (!this.stopped) {
      addrs = await targets().catch(() => addrs);
      const t0 = Date.now();
      for (let k = 0; k < rps && !this.stopped; k++) {
        if (addrs.length > 0) this.one(addrs[i++ % addrs.length]!);
        await sleep(Math.max(0, t0 + ((k + 1) * 1000) / rps - Date.now()));
      }
    }
  }

  private one(addr: string): void {
    this.sent++;
    http
      .get(`http://${addr}/`, { agent: this.agent, timeout: 2000 }, (res) => res.resume())
      .on("timeout", function (this: http.ClientRequest) {
        this.destroy();
      })
      .on("error", () => this.failed++);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
    this.agent.destroy();
  }
}

describe("autoscale on a Prometheus query (the bed's Prometheus, load from the test)", function () {
  this.timeout(180_000);
  let bed: BedLayout;
  let d: DaemonHarness;
  let config: { file: string; dir: string };
  let load: Load | undefined;

  before(async function () {
    bed = await useBed(this);
    config = writeOperatorConfig("autoscale-prom");
    d = new DaemonHarness(bed, { name: "autoscale-prom", interval: "1s", env: { BERTH_CONFIG: config.file } });
    d.init();
  });

  after(async function () {
    await load?.stop();
    if (this.currentTest?.state === "failed" || process.env.BERTH_TEST_VERBOSE) console.log(d?.logTail(40));
    await d?.cleanup();
    rmSync(config.dir, { recursive: true, force: true });
  });

  it("scales out under load, back to min after the scale-in window, and says why in history and /status", async function () {
    const query = `avg(app_requests_per_second{owner="${d.owner}", service="web"})`;
    const extra = [
      "  health:",
      "    http:",
      "      path: /healthz",
      "      port: http",
      "  autoscale:",
      "    min: 1",
      "    max: 3",
      "    prometheus:",
      `      url: ${PROMETHEUS_URL}`,
      `      query: '${query}'`,
      `      target: ${TARGET}`,
      "    stabilization:",
      `      scaleIn: ${SCALE_IN_WINDOW_S}s`,
    ].join("\n");
    const sha = d.push({ "hosts.yaml": hostsYaml(bed), "web.yaml": serviceYaml({ name: "web", replicas: 1, extra }) }, "web, autoscaled on requests per second");
    await d.start();
    await d.converged(sha, { service: "web", replicas: 1, timeoutMs: 60_000 });

    // The replicas as the engines publish them, re-read each second: a new one gets load once it runs.
    const targets = async () =>
      (await d.mains("web"))
        .filter((c) => c.State === "running")
        .flatMap((c) => c.Ports.filter((p) => p.PrivatePort === 8080 && p.PublicPort).map((p) => `${c.host.ip}:${p.PublicPort}`));
    const t0 = Date.now();
    load = new Load(LOAD_RPS, targets);
    const outN = await until("more than 1 replica running under load", async () => ((await running(d, "web")) > 1 ? running(d, "web") : undefined), SCALE_OUT_BOUND_MS, { everyMs: 250 });
    const scaleOutMs = Date.now() - t0;
    const maxN = await until("3 replicas running under load", async () => ((await running(d, "web")) === 3 ? 3 : undefined), SCALE_OUT_BOUND_MS, { everyMs: 250 });
    const toMaxMs = Date.now() - t0;
    // While the load lasts the count stays at max: 3 replicas still see more than the target each.
    for (const stop = Date.now() + 6_000; Date.now() < stop; await sleep(500)) assert.equal(await running(d, "web"), 3, "the count left max while the load lasted");
    const underLoad = (await d.status()).services.find((s) => s.name === "web")!;
    await load.stop();
    console.log(`      load ${LOAD_RPS} req/s: sent ${load.sent}, failed ${load.failed}`);
    load = undefined;

    const t1 = Date.now();
    await until("back to 1 replica after the load stopped", async () => ((await running(d, "web")) === 1 ? true : undefined), SCALE_IN_BOUND_MS, { everyMs: 250 });
    const scaleInMs = Date.now() - t1;
    console.log(`      load on → ${outN} replicas: ${scaleOutMs} ms; → ${maxN}: ${toMaxMs} ms; load off → 1 replica: ${scaleInMs} ms (scale-in window ${SCALE_IN_WINDOW_S} s, decisions every 2 s)`);

    // /status while under load: the bounds, git's count, and the metric against its target.
    assert.equal(underLoad.desired, 3);
    assert.equal(underLoad.autoscale?.min, 1);
    assert.equal(underLoad.autoscale?.max, 3);
    assert.equal(underLoad.autoscale?.gitReplicas, 1);
    assert.match(underLoad.autoscale?.reason ?? "", new RegExp(`^${escape(query)} = [\\d.]+ vs target ${TARGET}$`));

    const lines = scaledLines(d);
    for (const l of lines) console.log(`      history: ${l}`);
    const out = lines.filter((l) => /web 1 → [23]:/.test(l) || /web 2 → 3:/.test(l));
    const back = lines.filter((l) => /web [23] → 1:/.test(l) || /web 3 → 2:/.test(l));
    assert.ok(out.length > 0, `no scale-out in history:\n${lines.join("\n")}`);
    assert.ok(back.length > 0, `no scale-in in history:\n${lines.join("\n")}`);
    // Each with its reason: the query's value against the target.
    for (const l of [...out, ...back]) assert.match(l, new RegExp(`${escape(query)} = [\\d.]+ vs target ${TARGET}`));
    const rested = (await d.status()).services.find((s) => s.name === "web")!;
    assert.equal(rested.desired, 1);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
