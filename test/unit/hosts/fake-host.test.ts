/**
 * The recording fake host the rollout's unit tests stand on: if it drifts
 * from the real adapter's contract, those tests prove nothing.
 */
import assert from "node:assert/strict";
import { ImageNotFoundError, LaunchError } from "../../../reconciler/docker/errors.ts";
import type { PodLaunch } from "../../../reconciler/docker/types.ts";
import { FakeFleet } from "../../support/fake-host.ts";
import { pod } from "../plan/mock.ts";

const launch = (id: string, image: string, slot = 0): PodLaunch => ({
  pod: id,
  owner: "o",
  commit: "c",
  slot,
  spec: pod({ containers: [{ ...pod().containers[0]!, image }] }),
});

describe("hosts: fake host", () => {
  it("a launched pod starts, then turns healthy after the configured number of looks", async () => {
    const fleet = new FakeFleet();
    fleet.looksToHealthy = 2;
    const h = fleet.host("h1");
    const { containers } = await h.launchPod(launch("p1", "app:v1"));
    const id = containers[0]!.id;
    assert.equal((await h.status(id))?.health, "starting");
    assert.equal((await h.status(id))?.health, "healthy");
    assert.equal(fleet.ready("web"), 1);
  });

  const failures: { name: string; setup: (f: FakeFleet) => void; want: { state: string; health: string; exitCode?: number } }[] = [
    { name: "a broken image turns unhealthy", setup: (f) => f.brokenImages.add("app:broken"), want: { state: "running", health: "unhealthy" } },
    { name: "a crashing image exits with code 1", setup: (f) => f.crashingImages.add("app:broken"), want: { state: "exited", health: "starting", exitCode: 1 } },
  ];
  for (const c of failures) {
    it(c.name, async () => {
      const fleet = new FakeFleet();
      c.setup(fleet);
      const h = fleet.host("h1");
      const { containers } = await h.launchPod(launch("p1", "app:broken"));
      await h.status(containers[0]!.id);
      const s = await h.status(containers[0]!.id);
      assert.deepEqual({ state: s?.state, health: s?.health, ...(s?.exitCode !== undefined ? { exitCode: s.exitCode } : {}) }, c.want);
      assert.equal(fleet.ready("web"), 0);
    });
  }

  it("an unpullable image fails both the pull and the launch with the adapter's error classes", async () => {
    const fleet = new FakeFleet();
    fleet.unpullable.add("app:missing");
    const h = fleet.host("h1");
    await assert.rejects(h.pull("app:missing"), ImageNotFoundError);
    await assert.rejects(h.launchPod(launch("p1", "app:missing")), LaunchError);
    assert.equal(fleet.pods.size, 0, "a failed launch leaves nothing behind");
  });

  it("records every call in order and tracks the fewest ready and most running pods", async () => {
    const fleet = new FakeFleet();
    fleet.looksToHealthy = 1;
    fleet.seed("h1", "old", "web", 0, "app:v1", "h1");
    const h = fleet.host("h1");
    await h.pull("app:v2");
    const { containers } = await h.launchPod(launch("new", "app:v2"));
    await h.status(containers[0]!.id);
    await h.stopPod("o", "old", 1000);
    await h.removePod("o", "old");
    assert.deepEqual(fleet.calls, [
      "h1 pull app:v2",
      "h1 launch web/0 app:v2",
      "h1 look web/0 running healthy",
      "h1 stop web/0 app:v1",
      "h1 remove web/0 app:v1",
    ]);
    assert.equal(fleet.minReady.get("web"), 1);
    assert.equal(fleet.maxPods.get("web"), 2);
  });

  it("a host sees only its own pods; stopping another host's pod changes nothing", async () => {
    const fleet = new FakeFleet();
    fleet.seed("h2", "p2", "web", 1, "app:v1", "h");
    const h1 = fleet.host("h1");
    assert.deepEqual(await h1.observe("o"), []);
    await h1.stopPod("o", "p2", 1000);
    assert.equal(fleet.pods.get("p2")?.state, "running");
    assert.deepEqual((await fleet.host("h2").observe("o")).map((c) => c.pod), ["p2"]);
  });

  // Guards the bug where the fake's removePod deleted the pod from the shared
  // map whichever host held it, so a rollout that removed on the wrong host passed.
  it("removing another host's pod is a no-op, as on an engine", async () => {
    const fleet = new FakeFleet();
    await fleet.host("h1").launchPod(launch("p1", "app:v1"));
    await fleet.host("h2").removePod("o", "p1");
    assert.deepEqual((await fleet.host("h1").observe("o")).map((c) => c.pod), ["p1"]);
    await fleet.host("h1").removePod("o", "p1");
    assert.deepEqual(await fleet.host("h1").observe("o"), []);
  });
});
