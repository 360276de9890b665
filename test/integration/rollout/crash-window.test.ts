/**
 * The crash window on the bed's engines (DESIGN §6, rollout.monitor):
 * `app:late-crash` is healthy for 3 s, then exits 1. With the defaults (no
 * health block: the image's HEALTHCHECK; minReady 0; monitor 5 s) it counts
 * as ready, then dies inside the window. Guards the bug where such a pod
 * counted as healthy, the old pods were removed, and the result still said
 * converged with only crashed pods left.
 */
import assert from "node:assert/strict";
import { removeOwnerContainers, useBed } from "../../support/bed.ts";
import { FleetDir } from "../../support/fleet-dir.ts";
import { applyDir } from "../../support/reconcile.ts";
import { engineClient } from "../../../testbed/engines.ts";
import type { BedLayout } from "../../../testbed/layout.ts";

describe("the crash window on the bed", function () {
  this.timeout(120_000);
  let bed: BedLayout;
  let fleet: FleetDir;
  const owner = `test-crash-window-${process.pid}-${Date.now()}`;
  const mains = async () =>
    (await Promise.all(bed.hosts.map(async (h) => (await engineClient(h).listContainers({ all: true, filters: { label: [`berth.owner=${owner}`, "berth.container=main"] } })).map((c) => `${c.Image.split(":").pop()} ${c.State}`)))).flat().sort();

  before(async function () {
    bed = await useBed(this);
    fleet = new FleetDir(bed);
  });
  after(async () => {
    if (bed) await removeOwnerContainers(bed, owner);
    fleet?.remove();
  });

  it("a pod that dies 3 s after it started fails the rollout; the old pods serve again, none was removed", async function () {
    const first = await applyDir(fleet.write([{ name: "web", image: "127.0.0.1:5000/berth/app:v1", replicas: 2 }]), owner);
    assert.equal(first.result.ok, true, JSON.stringify(first.result));
    const t0 = Date.now();
    const { result, events } = await applyDir(fleet.write([{ name: "web", image: "127.0.0.1:5000/berth/app:late-crash", replicas: 2 }]), owner);
    const ms = Date.now() - t0;
    assert.equal(result.services[0]!.result, "rolled-back", JSON.stringify(result));
    assert.match(result.services[0]!.reason ?? "", /container main exited with code 1; last output: .*crashing 3 s after start, on purpose \(within the 5 s monitor window after it counted as ready\)/);
    assert.ok(events.some((e) => e.phase === "ready"), "the new pod did count as ready before it crashed");
    assert.ok(!events.some((e) => e.phase === "remove" && /replaced/.test(e.message)), "no old pod was removed");
    assert.deepEqual(await mains(), ["v1 running", "v1 running"], "the old pods run again; the crashed one is gone");
    console.log(`      rolled back in ${ms} ms`);
  });
});
