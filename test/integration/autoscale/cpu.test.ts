/**
 * Autoscaling on the engines' own cpu stats, end to end (docs/autoscale.md):
 * a Service whose one container spins a shell loop at its 0.5-core limit,
 * 100 % of its cpu against a target of 50 %, scales 1 → 2; the daemon's
 * `/metrics` says so.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { useBed } from "../../support/bed.ts";
import { DaemonHarness, get, sleep, until } from "../../support/daemon-harness.ts";
import { hostsYaml } from "../../support/fleet-dir.ts";
import type { BedLayout } from "../../../testbed/layout.ts";
import { running, scaledLines, writeOperatorConfig } from "./autoscale-bed.ts";

const SCALE_OUT_BOUND_MS = 30_000;

const BURN = [
  "apiVersion: berth/v1",
  "kind: Service",
  "metadata:",
  "  name: burn",
  "spec:",
  "  image: 127.0.0.1:5000/berth/toolbox:v1",
  '  command: ["sh", "-c", "trap \'exit 0\' TERM; while :; do :; done"]',
  "  replicas: 1",
  "  stopGracePeriod: 2s",
  "  resources:",
  "    cpu: 0.5",
  "    memory: 32Mi",
  "  autoscale:",
  "    min: 1",
  "    max: 2",
  "    cpu: { targetPercent: 50 }",
  "",
].join("\n");

describe("autoscale on cpu (the engines' stats)", function () {
  this.timeout(120_000);
  let bed: BedLayout;
  let d: DaemonHarness;
  let config: { file: string; dir: string };

  before(async function () {
    bed = await useBed(this);
    config = writeOperatorConfig("autoscale-cpu");
    d = new DaemonHarness(bed, { name: "autoscale-cpu", interval: "1s", env: { BERTH_CONFIG: config.file } });
    d.init();
  });

  after(async function () {
    if (this.currentTest?.state === "failed" || process.env.BERTH_TEST_VERBOSE) console.log(d?.logTail(40));
    await d?.cleanup();
    rmSync(config.dir, { recursive: true, force: true });
  });

  it("scales a pod that burns its cpu limit from 1 to 2, and /metrics shows the desired count", async function () {
    const sha = d.push({ "hosts.yaml": hostsYaml(bed), "burn.yaml": BURN }, "burn, autoscaled on cpu");
    await d.start();
    await d.converged(sha, { service: "burn", replicas: 1, timeoutMs: 60_000 });
    const t0 = Date.now();
    await until("2 burning replicas running", async () => ((await running(d, "burn")) === 2 ? true : undefined), SCALE_OUT_BOUND_MS, { everyMs: 250 });
    console.log(`      converged at 1 → 2 replicas running: ${Date.now() - t0} ms`);

    const metrics = await get(`http://${d.listen}/metrics`);
    assert.match(metrics, /^berth_autoscale_replicas_desired\{service="burn"\} 2$/m);
    const cpu = /^berth_autoscale_metric_value\{service="burn",metric="cpu"\} ([\d.]+)$/m.exec(metrics);
    assert.ok(cpu, `no cpu value in /metrics:\n${metrics}`);
    console.log(`      berth_autoscale_metric_value{metric="cpu"} ${cpu[1]} (% of the 0.5-core limit)`);

    const lines = scaledLines(d);
    for (const l of lines) console.log(`      history: ${l}`);
    assert.equal(lines.length, 1, `one decision expected:\n${lines.join("\n")}`);
    assert.match(lines[0]!, /scaled: burn 1 → 2: cpu [\d.]+ % vs target 50 %$/);
    // At max it stays there: two pods still burn 100 % each.
    await sleep(4_000);
    assert.equal(await running(d, "burn"), 2);
  });
});
