/**
 * The rollout against a recording fake host: ordering, surge and
 * unavailability bounds, rollback and pause.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { diffFleet } from "../../../reconciler/plan/diff.ts";
import { applyPlan } from "../../../reconciler/rollout/apply-plan.ts";
import { FakeFleet, fakeClock } from "../../support/fake-host.ts";
import { roll, V1 } from "../../support/roll.ts";
import { container, input, observed, pod, service } from "../plan/mock.ts";

const podOf = (image: string) => pod({ specHash: `hash-${image}`, containers: [container({ image })] });


const images = (f: FakeFleet) => [...f.pods.values()].filter((p) => p.state === "running").map((p) => p.image).sort();

describe("applyPlan (fake hosts)", function () {
  it("start-first with maxSurge 1: each new pod is ready before its old one stops; never fewer than 3 ready, never more than 4 running", async function () {
    const { fleet, result } = await roll({ image: "app:v2" });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(images(fleet), ["app:v2", "app:v2", "app:v2"]);
    assert.equal(fleet.pods.size, 3, "old pods are removed after convergence");
    assert.equal(fleet.minReady.get("web"), 3);
    assert.equal(fleet.maxPods.get("web"), 4);
    const launch0 = fleet.calls.indexOf("h1 launch web/0 app:v2");
    const healthy0 = fleet.calls.indexOf("h1 look web/0 running healthy");
    const stop0 = fleet.calls.indexOf("h1 stop web/0 app:v1");
    assert.ok(launch0 >= 0 && launch0 < healthy0 && healthy0 < stop0, fleet.calls.join("\n"));
  });

  it("maxSurge 2 runs at most 5 pods at once and keeps 3 ready", async function () {
    const { fleet, result } = await roll({ image: "app:v2", rollout: { maxSurge: 2 } });
    assert.equal(result.ok, true);
    assert.equal(fleet.maxPods.get("web"), 5);
    assert.equal(fleet.minReady.get("web"), 3);
  });

  it("stop-first with maxUnavailable 1 never drops below 2 ready nor surges", async function () {
    const { fleet, result } = await roll({ image: "app:v2", rollout: { maxSurge: 0, maxUnavailable: 1, order: "stop-first" } });
    assert.equal(result.ok, true);
    assert.equal(fleet.minReady.get("web"), 2);
    assert.equal(fleet.maxPods.get("web"), 3);
  });

  it("an image that never turns healthy is rolled back: the old pods serve, no new pod is left", async function () {
    const { fleet, result } = await roll({ image: "app:broken", setup: (f) => f.brokenImages.add("app:broken") });
    assert.equal(result.ok, false);
    assert.equal(result.services[0]!.result, "rolled-back");
    assert.match(result.services[0]!.reason ?? "", /unhealthy/);
    assert.deepEqual(images(fleet), [V1, V1, V1]);
    assert.equal(fleet.pods.size, 3);
    assert.equal(fleet.minReady.get("web"), 3, "no healthy replica was lost");
  });

  it("an image that exits at once is rolled back with the exit code in the reason", async function () {
    const { result, fleet } = await roll({ image: "app:crash", setup: (f) => f.crashingImages.add("app:crash") });
    assert.equal(result.services[0]!.result, "rolled-back");
    assert.match(result.services[0]!.reason ?? "", /exited with code 1/);
    assert.deepEqual(images(fleet), [V1, V1, V1]);
  });

  it("onFailure pause restores only the failed slot and reports paused", async function () {
    const { result, fleet } = await roll({ image: "app:broken", rollout: { onFailure: "pause" }, setup: (f) => f.brokenImages.add("app:broken") });
    assert.equal(result.services[0]!.result, "paused");
    assert.deepEqual(images(fleet), [V1, V1, V1]);
  });

  it("scaling down stops a pod gracefully, with the grace period it was created with, before removing it", async function () {
    const fleet = new FakeFleet();
    const old = pod({ specHash: "hash-old", stopGracePeriodMs: 30_000 });
    const now = pod({ specHash: "hash-old", stopGracePeriodMs: 5_000 });
    ["h1", "h2", "h3"].forEach((h, i) => fleet.seed(h, `old${i}`, "web", i, V1, "hash-old"));
    const hosts = new Map(["h1", "h2", "h3"].map((n) => [n, fleet.host(n)]));
    const plan = diffFleet(
      input({
        services: [service({ replicas: 2, pod: now })],
        placements: [0, 1].map((slot) => ({ group: "web", slot, host: `h${slot + 1}` })),
        observed: [0, 1, 2].map((slot) => observed(old, slot, `h${slot + 1}`, { pod: `old${slot}` })),
      }),
    );
    const result = await applyPlan(plan, { hosts, clock: fakeClock(), prober: { http: async () => true, tcp: async () => true }, newPodId: () => "new", secrets: () => ({}) });
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(fleet.calls.filter((c) => c.startsWith("h3")), ["h3 stop web/2 app:v1", "h3 remove web/2 app:v1"]);
    assert.equal(fleet.graces.get("old2"), 30_000, "the old spec's 30 s, not the new 5 s");
  });

  it("when berth is stopping, the replacement under way finishes, no new one starts, and nothing is left stopped", async function () {
    const fleet = new FakeFleet();
    ["h1", "h2", "h3"].forEach((h, i) => fleet.seed(h, `old${i}`, "web", i, V1, `hash-${V1}`));
    const hosts = new Map(["h1", "h2", "h3"].map((n) => [n, fleet.host(n)]));
    const observedNow = (await Promise.all([...hosts.values()].map((h) => h.observe("o")))).flat();
    const plan = diffFleet({ owner: "o", commit: "c2", now: 0, services: [service({ pod: podOf("app:v2") })], placements: [0, 1, 2].map((slot) => ({ group: "web", slot, host: `h${slot + 1}` })), unplaced: [], hosts: ["h1", "h2", "h3"].map((name) => ({ name, state: "ready" as const })), observed: observedNow });
    const stop = new AbortController();
    let n = 0;
    const result = await applyPlan(plan, {
      hosts,
      clock: fakeClock(),
      prober: { http: async () => true, tcp: async () => true },
      newPodId: () => `new${n++}`,
      secrets: () => ({}),
      signal: stop.signal,
      onEvent: (e) => {
        if (e.phase === "start") stop.abort();
      },
    });
    assert.equal(result.services[0]!.result, "interrupted");
    assert.match(result.services[0]!.reason ?? "", /1 of 3 replacements done/);
    assert.equal(result.ok, false);
    assert.deepEqual(images(fleet), [V1, V1, "app:v2"]);
    assert.equal([...fleet.pods.values()].filter((p) => p.state !== "running").length, 0, "the replaced old pod was removed, not left stopped");
  });

  it("a pull failure changes nothing", async function () {
    const { result, fleet } = await roll({ image: "app:missing", setup: (f) => f.unpullable.add("app:missing") });
    assert.equal(result.services[0]!.result, "failed");
    assert.match(result.services[0]!.reason ?? "", /nothing was changed/);
    assert.ok(!fleet.calls.some((c) => c.includes("launch") || c.includes("stop")), fleet.calls.join("\n"));
    assert.deepEqual(images(fleet), [V1, V1, V1]);
  });

  it("property: ready replicas never drop below replicas − maxUnavailable; the end state is all new or all old", async function () {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 2 }),
        fc.constantFrom<"start-first" | "stop-first">("start-first", "stop-first"),
        fc.boolean(),
        async (replicas, maxSurge, maxUnavailable, order, broken) => {
          if (maxSurge + maxUnavailable === 0) maxSurge = 1;
          const image = broken ? "app:broken" : "app:v2";
          const { fleet, result } = await roll({ replicas, image, rollout: { maxSurge, maxUnavailable, order }, setup: (f) => f.brokenImages.add("app:broken") });
          const floor = replicas - Math.max(maxUnavailable, order === "stop-first" || maxSurge === 0 ? Math.max(1, maxUnavailable) : 0);
          assert.ok(fleet.minReady.get("web")! >= floor, `ready fell to ${fleet.minReady.get("web")} (floor ${floor})\n${fleet.calls.join("\n")}`);
          assert.ok(fleet.maxPods.get("web")! <= replicas + maxSurge, `ran ${fleet.maxPods.get("web")} pods`);
          assert.deepEqual(images(fleet), Array(replicas).fill(broken ? V1 : "app:v2"));
          assert.equal(result.ok, !broken);
        },
      ),
      { numRuns: 150 },
    );
  });
});
