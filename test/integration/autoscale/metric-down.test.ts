/**
 * A metric that cannot be read holds the count (docs/autoscale.md, "Safe by
 * default"), end to end: one Service whose query gives no series on the
 * bed's Prometheus, one whose Prometheus (listed by the operator) does not
 * answer. Their metrics would say "scale in" if read as zero; both stay at
 * `replicas`, and /status says why.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { useBed } from "../../support/bed.ts";
import { DaemonHarness, sleep, until } from "../../support/daemon-harness.ts";
import { hostsYaml, serviceYaml } from "../../support/fleet-dir.ts";
import { PROMETHEUS_URL, type BedLayout } from "../../../testbed/layout.ts";
import { running, scaledLines, writeOperatorConfig } from "./autoscale-bed.ts";

// Nothing listens there on the bed (not port 9 or another of the fetch standard's "bad ports", which fetch refuses before connecting).
const DOWN_URL = "http://127.0.0.1:19091";
/** Decisions come every 2 s: 5 of them. */
const HOLD_MS = 10_000;

const autoscaled = (url: string, query: string) =>
  ["  autoscale:", "    min: 1", "    max: 3", "    prometheus:", `      url: ${url}`, `      query: '${query}'`, "      target: 10", "    stabilization:", "      scaleIn: 2s"].join("\n");

describe("autoscale with a metric that cannot be read", function () {
  this.timeout(120_000);
  let bed: BedLayout;
  let d: DaemonHarness;
  let config: { file: string; dir: string };

  before(async function () {
    bed = await useBed(this);
    config = writeOperatorConfig("autoscale-down", [DOWN_URL]);
    d = new DaemonHarness(bed, { name: "autoscale-down", interval: "1s", env: { BERTH_CONFIG: config.file } });
    d.init();
  });

  after(async function () {
    if (this.currentTest?.state === "failed" || process.env.BERTH_TEST_VERBOSE) console.log(d?.logTail(40));
    await d?.cleanup();
    rmSync(config.dir, { recursive: true, force: true });
  });

  it("holds a query with no series and an unreachable Prometheus at replicas, and /status says why", async function () {
    const noSeries = `avg(app_no_such_metric{owner="${d.owner}"})`;
    const sha = d.push(
      {
        "hosts.yaml": hostsYaml(bed),
        "empty.yaml": serviceYaml({ name: "empty", replicas: 2, extra: autoscaled(PROMETHEUS_URL, noSeries) }),
        "gone.yaml": serviceYaml({ name: "gone", replicas: 2, extra: autoscaled(DOWN_URL, "avg(up)") }),
      },
      "two services whose metric cannot be read",
    );
    await d.start();
    await d.converged(sha, { service: "empty", replicas: 2, timeoutMs: 60_000 });
    await d.converged(sha, { service: "gone", replicas: 2, timeoutMs: 60_000 });
    const reasons = await until(
      // Converged is ready and healthy; the apply still runs its monitor window, and nothing is decided meanwhile.
      "a decision on both services after the rollout",
      async () => {
        const s = await d.status();
        const r = ["empty", "gone"].map((n) => s.services.find((x) => x.name === n)?.autoscale?.latest?.reason);
        return r.every((x) => x !== undefined && !x.startsWith("waiting for the rollout")) ? (r as string[]) : undefined;
      },
      20_000,
    );
    for (const r of reasons) console.log(`      latest: ${r}`);
    assert.equal(reasons[0], `prometheus unavailable: holding 2 (prometheus: ${JSON.stringify(noSeries)} gave 0 series, not one; aggregate it (avg(…), sum(…)))`);
    assert.match(reasons[1]!, /^prometheus unavailable: holding 2 \(prometheus: http:\/\/127\.0\.0\.1:19091 did not answer \(connect ECONNREFUSED 127\.0\.0\.1:19091\)\)$/);

    for (const stop = Date.now() + HOLD_MS; Date.now() < stop; await sleep(1_000)) {
      assert.equal(await running(d, "empty"), 2);
      assert.equal(await running(d, "gone"), 2);
    }
    const s = await d.status();
    for (const n of ["empty", "gone"]) {
      const svc = s.services.find((x) => x.name === n)!;
      assert.equal(svc.desired, 2);
      assert.equal(svc.autoscale?.reason, undefined, `${n}: no decision set the count`);
      assert.match(svc.autoscale?.latest?.reason ?? "", /^prometheus unavailable: holding 2 /);
    }
    assert.deepEqual(scaledLines(d), []);
  });
});
