/**
 * A responsive daemon (issue 11): while `berth run` fetches, reads and loads
 * a 20 MB commit (20 files of just under 1 MiB, 12,600 services), /healthz
 * keeps answering: p99 ≤ 100 ms, asked every 20 ms. Guards the bug where
 * the commit was parsed and validated on the event loop, which it held for
 * the whole load (p99 16 s on the bed): no /healthz, no engine events, no
 * signals.
 */
import assert from "node:assert/strict";
import { useBed } from "../../support/bed.ts";
import { LargeCommitTrial, latencyFigures, percentile } from "../../support/large-commit-trial.ts";

describe("berth run with a 20 MB commit on the bed", function () {
  this.timeout(180_000);
  let trial: LargeCommitTrial | undefined;

  before(async function () {
    const bed = await useBed(this);
    trial = LargeCommitTrial.create(bed, `test-large-${process.pid}-${Date.now()}`);
  });

  after(async () => {
    await trial?.close();
  });

  it("answers /healthz within 100 ms (p99) while it loads the commit, and then applies it", async function () {
    await trial!.start();
    const f = await trial!.measure(20);
    console.log(`      ${(f.bytes / 2 ** 20).toFixed(1)} MiB, ${f.services} services: push to loaded ${(f.loadedMs / 1000).toFixed(1)} s, to applied ${(f.appliedMs / 1000).toFixed(1)} s`);
    console.log(`      /healthz while loading: ${latencyFigures(f.duringLoad)}`);
    console.log(`      /healthz after, while planning and applying: ${latencyFigures(f.afterLoad)}`);

    assert.ok(f.bytes > 20e6, `the commit is only ${f.bytes} bytes`);
    // The load really happened: the commit validated and was applied, every one of its services in status.
    assert.deepEqual(f.applied.diagnostics, []);
    assert.equal(f.applied.services.length, f.services + 1);
    assert.ok(f.applied.services.some((s) => s.name === "t19-svc-0"));
    // Enough samples that p99 is more than one lucky answer: the load takes seconds.
    assert.ok(f.duringLoad.length >= 100, `only ${f.duringLoad.length} samples during the load`);
    assert.ok(percentile(f.duringLoad, 99) <= 100, `/healthz p99 ${percentile(f.duringLoad, 99).toFixed(1)} ms while loading, over 100 ms`);
  });
});
