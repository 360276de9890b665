/**
 * Issue 15, item 3 on the 3-engine bed: a change to cpu or memory alone is
 * applied with the engine's container update. The containers keep their
 * ids (no restart, no new pod), `docker inspect` shows the new limits, the
 * plan said `resize in place`, and the next plan, made from the engines
 * alone, is in sync.
 */
import assert from "node:assert/strict";
import type Docker from "dockerode";
import { formatPlanText } from "../../../reconciler/plan/format-text.ts";
import { removeOwnerContainers, useBed } from "../../support/bed.ts";
import { FleetDir, type TestService } from "../../support/fleet-dir.ts";
import { applyDir, planDir } from "../../support/reconcile.ts";
import { engineClient } from "../../../testbed/engines.ts";
import type { BedLayout } from "../../../testbed/layout.ts";

const MI = 2 ** 20;

interface Running {
  host: string;
  docker: Docker;
  id: string;
  slot: string;
  startedAt: string;
}

async function mains(bed: BedLayout, owner: string): Promise<Running[]> {
  const lists = await Promise.all(
    bed.hosts.map(async (h) => {
      const docker = engineClient(h);
      const list = await docker.listContainers({ all: true, filters: { label: [`berth.owner=${owner}`, "berth.container=main"] } });
      return Promise.all(list.map(async (c) => ({ host: h.name, docker, id: c.Id, slot: c.Labels["berth.slot"] ?? "", startedAt: (await docker.getContainer(c.Id).inspect()).State.StartedAt })));
    }),
  );
  return lists.flat().sort((a, b) => a.slot.localeCompare(b.slot));
}

describe("resize in place on the 3-engine bed", function () {
  this.timeout(180_000);
  let bed: BedLayout;
  let fleet: FleetDir;
  const owner = `test-resize-${process.pid}-${Date.now()}`;
  const web = (cpu: string, memory: string): TestService => ({ name: "web", replicas: 3, extra: `  resources:\n    cpu: ${cpu}\n    memory: ${memory}` });
  const figures: string[] = [];

  before(async function () {
    bed = await useBed(this);
    fleet = new FleetDir(bed);
  });

  after(async function () {
    if (figures.length) console.log(`      ${figures.join("; ")}`);
    if (!bed) return;
    await removeOwnerContainers(bed, owner);
    fleet?.remove();
  });

  it("cpu 0.25 → 0.5 and memory 64Mi → 128Mi: same containers, new limits, the plan said so, and then in sync", async function () {
    const first = await applyDir(fleet.write([web("0.25", "64Mi")]), owner);
    assert.ok(first.result.ok, JSON.stringify(first.result));
    const before = await mains(bed, owner);
    assert.equal(before.length, 3);

    const t0 = Date.now();
    const { plan, result } = await applyDir(fleet.write([web("0.5", "128Mi")]), owner);
    const ms = Date.now() - t0;
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(plan.summary.resize, 3);
    assert.equal(plan.summary.replace, 0);
    const text = formatPlanText(plan);
    assert.ok(text.split("\n").includes("  ~ slot 0: resize in place (cpu 0.25 → 0.5, memory 64Mi → 128Mi)"), text);

    const after = await mains(bed, owner);
    assert.deepEqual(after.map((c) => [c.host, c.id, c.startedAt]), before.map((c) => [c.host, c.id, c.startedAt]), "the same containers, never restarted");
    for (const c of after) {
      const info = await c.docker.getContainer(c.id).inspect();
      assert.equal(info.HostConfig.NanoCpus, 500_000_000, `${c.host} NanoCpus`);
      assert.equal(info.HostConfig.Memory, 128 * MI, `${c.host} Memory`);
      assert.equal(info.State.Running, true);
    }
    const next = await planDir(fleet.dir, owner);
    assert.equal(next.plan.summary.inSync, true, formatPlanText(next.plan));
    figures.push(`resize of 3 slots: ${ms} ms`);
  });

  it("limits the engine refuses (memory 1Mi, under its 6 MB floor) fail the rollout as the commit's fault, and nothing is restarted", async function () {
    const { plan, result } = await applyDir(fleet.write([web("0.5", "1Mi")]), owner);
    assert.equal(plan.summary.resize, 3);
    const s = result.services[0]!;
    assert.equal(s.result, "failed", JSON.stringify(s));
    assert.equal(s.error?.code, "resize-failed");
    assert.equal(s.error?.reaction, "stalled");
    // Which refusal comes first depends on how much the container uses at that moment: berth's own check (it uses more than 1Mi) or the engine's floor.
    assert.match(s.reason ?? "", /resizing container "main" of pod \S+ on host "h\d" in place failed: (Minimum memory limit allowed is 6MB|it uses \S+ of memory now, more than the new limit 1Mi)/);
    assert.equal((await mains(bed, owner)).length, 3, "nothing was restarted or removed");
  });

  it("for comparison: a replace of the same slots (an env change) on the same engines", async function () {
    const t0 = Date.now();
    const { plan, result } = await applyDir(fleet.write([{ ...web("0.5", "128Mi"), extra: `${web("0.5", "128Mi").extra}\n  env:\n    MARK: "2"` }]), owner);
    const ms = Date.now() - t0;
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(plan.summary.replace, 3);
    figures.push(`replace of the same 3 slots: ${ms} ms`);
  });
});
