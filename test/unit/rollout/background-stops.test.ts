/**
 * Stops in the background (plan/steps.ts): a start-first slot's old pod
 * stops while the next wave already launches. What must still hold: never
 * fewer ready pods than replicas − maxUnavailable, never more running than
 * replicas + maxSurge (a pod that is stopping no longer counts), the
 * replaced pods removed only once every stop has ended, and a rollback
 * that starts the old pods again only once their stops have ended.
 * Stops take a few event-loop turns here (`stopTurns`), so they really are
 * under way while the rollout goes on.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { DockerHost } from "../../../reconciler/docker/types.ts";
import type { FakeFleet } from "../../support/fake-host.ts";
import { launchRefusedOn, roll, V1 } from "../../support/roll.ts";

const at = (f: FakeFleet, call: string) => {
  const i = f.calls.indexOf(call);
  assert.ok(i >= 0, `no "${call}" in:\n${f.calls.join("\n")}`);
  return i;
};
const running = (f: FakeFleet) => [...f.pods.values()].filter((p) => p.state === "running").map((p) => `${p.pod} ${p.image}`).sort();

/** A host whose stop of `pod` fails after a turn, as an engine error would. */
function stopFails(h: DockerHost, pod: string): DockerHost {
  return Object.assign(Object.create(h) as DockerHost, {
    stopPod: async (owner: string, p: string, grace: number) => {
      if (p !== pod) return h.stopPod(owner, p, grace);
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error(`engine hiccup on stop ${p}`);
    },
  });
}

/** A `setup` for `roll`: stops take `stopTurns` turns, and h1 stops answering as soon as it begins to stop slot 0's old pod. */
const h1LostMidStop = (stopTurns: number) => (f: FakeFleet) => {
  f.stopTurns = stopTurns;
  f.onCall = (call) => {
    if (call === "h1 stop web/0 app:v1") f.down.add("h1");
  };
};

describe("rollout: stops in the background (fake hosts)", function () {
  it("the next wave launches while the old pod of the one before is still stopping; the replaced pods go once every stop has ended", async function () {
    const { fleet, result } = await roll({ image: "app:v2", setup: (f) => (f.stopTurns = 3) });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.ok(at(fleet, "h2 launch web/1 app:v2") < at(fleet, "h1 stopped web/0 app:v1"), fleet.calls.join("\n"));
    const lastStopped = Math.max(...[0, 1, 2].map((i) => at(fleet, `h${i + 1} stopped web/${i} app:v1`)));
    const firstRemove = Math.min(...[0, 1, 2].map((i) => at(fleet, `h${i + 1} remove web/${i} app:v1`)));
    assert.ok(lastStopped < firstRemove, fleet.calls.join("\n"));
    assert.equal(fleet.minReady.get("web"), 3);
    assert.equal(fleet.maxPods.get("web"), 4, "never more than replicas + maxSurge running");
    assert.ok(fleet.maxAlive.get("web")! > 4, "a stopping pod was still alive beside the next surge pod");
    assert.deepEqual(running(fleet), ["new0 app:v2", "new1 app:v2", "new2 app:v2"]);
  });

  it("the next wave waits until the old pod's main container has been told to stop, not only until the stop was asked for: sidecars stop first", async function () {
    let fleetOf: FakeFleet | undefined;
    const { fleet, result } = await roll({
      image: "app:v2",
      setup: (f) => {
        f.stopTurns = 2;
        fleetOf = f;
      },
      wrap: (name, h) =>
        name === "h1"
          ? (Object.assign(Object.create(h) as DockerHost, {
              stopPod: async (owner: string, pod: string, grace: number, onStopping?: () => void) => {
                for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
                fleetOf!.record(`h1 sidecars of ${pod} stopped`);
                return h.stopPod(owner, pod, grace, onStopping);
              },
            }) as DockerHost)
          : h,
    });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.ok(at(fleet, "h1 sidecars of old0 stopped") < at(fleet, "h2 launch web/1 app:v2"), fleet.calls.join("\n"));
    assert.ok(at(fleet, "h2 launch web/1 app:v2") < at(fleet, "h1 stopped web/0 app:v1"), "still in the background once main was told to stop");
  });

  it("a later wave that fails rolls back once the stops under way have ended: every old pod runs again, no new pod is left", async function () {
    const { fleet, result } = await roll({
      image: "app:v2",
      setup: (f) => (f.stopTurns = 3),
      wrap: launchRefusedOn("h3"),
    });
    assert.equal(result.services[0]!.result, "rolled-back", JSON.stringify(result));
    assert.ok(at(fleet, "h1 stopped web/0 app:v1") < at(fleet, "h1 start web/0 app:v1"), fleet.calls.join("\n"));
    assert.deepEqual(running(fleet), ["old0 app:v1", "old1 app:v1", "old2 app:v1"]);
    assert.equal(fleet.pods.size, 3);
  });

  it("a stop that fails in the background fails the rollout as it would have in its wave: rolled back, the old pods serve", async function () {
    const { fleet, result } = await roll({ image: "app:v2", setup: (f) => (f.stopTurns = 2), wrap: (name, h) => (name === "h1" ? stopFails(h, "old0") : h) });
    assert.equal(result.services[0]!.result, "rolled-back", JSON.stringify(result));
    assert.match(result.services[0]!.reason ?? "", /engine hiccup on stop old0/);
    assert.deepEqual(running(fleet), ["old0 app:v1", "old1 app:v1", "old2 app:v1"]);
    assert.equal(fleet.pods.size, 3);
  });

  it("a host lost during a stop in the background is left out; the other hosts converge and the result says it waits for that host", async function () {
    const { fleet, result } = await roll({
      image: "app:v2",
      setup: h1LostMidStop(2),
    });
    assert.equal(result.services[0]!.result, "waiting", JSON.stringify(result));
    assert.deepEqual(result.services[0]!.hosts?.waiting.map((w) => w.host), ["h1"]);
    assert.deepEqual(result.services[0]!.hosts?.converged, ["h2", "h3"]);
    assert.ok(running(fleet).includes("new1 app:v2") && running(fleet).includes("new2 app:v2"), running(fleet).join(", "));
  });

  it("a host lost during a stop in the background, and the next wave failing while that stop is under way: the rollback leaves that host out instead of failing on it", async function () {
    const { fleet, result } = await roll({
      image: "app:v2",
      setup: h1LostMidStop(4),
      wrap: launchRefusedOn("h2"),
    });
    assert.equal(result.services[0]!.result, "rolled-back", JSON.stringify(result));
    // Slot 1 never got its new pod, slot 2 was not reached; h1, lost, keeps what it had when it went (its new pod): the next pass takes it up.
    assert.deepEqual(running(fleet), ["new0 app:v2", "old1 app:v1", "old2 app:v1"]);
  });

  it("property: with stops of any length, ready never drops below replicas − maxUnavailable, running never exceeds replicas + maxSurge, and the end state is all new or all old", async function () {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 2 }),
        fc.constantFrom<"start-first" | "stop-first">("start-first", "stop-first"),
        fc.boolean(),
        fc.integer({ min: 0, max: 4 }),
        async (replicas, maxSurge, maxUnavailable, order, broken, stopTurns) => {
          if (maxSurge + maxUnavailable === 0) maxSurge = 1;
          const image = broken ? "app:broken" : "app:v2";
          const { fleet, result } = await roll({
            replicas,
            image,
            rollout: { maxSurge, maxUnavailable, order },
            setup: (f) => {
              f.brokenImages.add("app:broken");
              f.stopTurns = stopTurns;
            },
          });
          const floor = replicas - Math.max(maxUnavailable, order === "stop-first" || maxSurge === 0 ? Math.max(1, maxUnavailable) : 0);
          assert.ok(fleet.minReady.get("web")! >= floor, `ready fell to ${fleet.minReady.get("web")} (floor ${floor})\n${fleet.calls.join("\n")}`);
          assert.ok(fleet.maxPods.get("web")! <= replicas + maxSurge, `ran ${fleet.maxPods.get("web")} pods\n${fleet.calls.join("\n")}`);
          assert.ok(fleet.maxAlive.get("web")! <= replicas + 2 * maxSurge, `${fleet.maxAlive.get("web")} pods alive at once`);
          assert.deepEqual(running(fleet).map((r) => r.split(" ")[1]), Array(replicas).fill(broken ? V1 : "app:v2"));
          assert.equal([...fleet.pods.values()].filter((p) => p.state !== "running").length, 0, "nothing is left stopped or stopping");
          assert.equal(result.ok, !broken);
        },
      ),
      { numRuns: 150 },
    );
  });
});
