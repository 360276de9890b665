import assert from "node:assert/strict";
import { BACKOFF_BASE_MS, BACKOFF_MAX_MS, CrashBackoff, STABLE_MS } from "../../../reconciler/loop/crash-backoff.ts";
import { diffFleet } from "../../../reconciler/plan/diff.ts";
import type { Plan } from "../../../reconciler/plan/types.ts";
import { input, observed, pod } from "../plan/mock.ts";

const v1 = pod();
/** web's slot 0 has exited; slots 1 and 2 run. */
const crashed = (): Plan => diffFleet(input({ observed: [observed(v1, 0, "h1", { state: "exited", exitCode: 1 }), observed(v1, 1, "h2"), observed(v1, 2, "h3")] }));
const running = (): Plan => diffFleet(input({ observed: [observed(v1, 0, "h1"), observed(v1, 1, "h2"), observed(v1, 2, "h3")] }));
const recreates = (p: Plan) => p.services.flatMap((s) => s.changes.filter((c) => c.action === "recreate").map((c) => c.slot));

describe("CrashBackoff (a crashing image cannot hammer its engine)", function () {
  it("lets the first recreate through, then holds the slot back for 2 s, 4 s, 8 s …", function () {
    const b = new CrashBackoff();
    let now = 0;
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const plan = b.filter(crashed(), now);
      assert.deepEqual(recreates(plan), [0], `crash ${i + 1} is recreated once its wait is over`);
      b.note(plan, now);
      const wait = b.nextRetryMs(crashed(), now)!;
      waits.push(wait);
      assert.deepEqual(recreates(b.filter(crashed(), now + wait - 1)), [], "held back until the wait is over");
      now += wait;
    }
    assert.deepEqual(waits, [1, 2, 4, 8, 16].map((k) => k * BACKOFF_BASE_MS));
  });

  it("never waits longer than the cap", function () {
    const b = new CrashBackoff();
    let now = 0;
    for (let i = 0; i < 20; i++) {
      b.note(crashed(), now);
      now += b.nextRetryMs(crashed(), now)!;
    }
    assert.equal(b.nextRetryMs(crashed(), now - 1), 1);
    b.note(crashed(), now);
    assert.equal(b.nextRetryMs(crashed(), now), BACKOFF_MAX_MS);
  });

  it("a pass that sees the pod running between two crashes does not forgive the slot", function () {
    const b = new CrashBackoff();
    b.note(crashed(), 0);
    b.note(running(), 3_000);
    b.note(crashed(), 5_000);
    assert.equal(b.nextRetryMs(crashed(), 5_000), 2 * BACKOFF_BASE_MS, "the second crash waits twice as long");
  });

  it("a pod that stayed up long enough wipes the slot's record", function () {
    const b = new CrashBackoff();
    b.note(crashed(), 0);
    b.note(crashed(), 10_000);
    b.note(running(), 10_000 + STABLE_MS);
    b.note(crashed(), 10_000 + STABLE_MS + 1);
    assert.equal(b.nextRetryMs(crashed(), 10_000 + STABLE_MS + 1), BACKOFF_BASE_MS);
  });

  it("lists the slots waiting, for status", function () {
    const b = new CrashBackoff();
    b.note(crashed(), 0);
    b.note(crashed(), BACKOFF_BASE_MS);
    assert.deepEqual(b.waiting("web", BACKOFF_BASE_MS + 500), [{ slot: 0, failures: 2, retryInMs: 2 * BACKOFF_BASE_MS - 500 }]);
    assert.deepEqual(b.waiting("web", 3 * BACKOFF_BASE_MS), [], "nothing once the wait is over");
    assert.deepEqual(b.waiting("api", BACKOFF_BASE_MS), []);
  });

  it("holds back only recreates: other slots and other actions pass", function () {
    const b = new CrashBackoff();
    b.note(crashed(), 0);
    const plan = b.filter(diffFleet(input({ observed: [observed(v1, 0, "h1", { state: "exited", exitCode: 1 }), observed(v1, 1, "h2", { health: "unhealthy" })] })), 1);
    assert.deepEqual(plan.services[0]!.changes.map((c) => `${c.action}/${c.slot}`), ["recreate/1", "create/2"]);
    assert.deepEqual(plan.services[0]!.waves.flatMap((w) => w.slots).sort(), [1, 2], "waves follow the filtered changes");
  });
});
