/**
 * A resize in place against the recording fake host: one engine call per
 * pod, no launch, stop or gate; a refusal is the commit's fault (stalled),
 * a host that stops answering is not.
 */
import assert from "node:assert/strict";
import type { PodSpec } from "../../../reconciler/model/pod.ts";
import { diffFleet } from "../../../reconciler/plan/diff.ts";
import { applyPlan } from "../../../reconciler/rollout/apply-plan.ts";
import { podSpecHash } from "../../../reconciler/templates/spec-hash.ts";
import { FakeFleet, fakeClock } from "../../support/fake-host.ts";
import { container, pod, service } from "../plan/mock.ts";

const MI = 2 ** 20;

function limits(cpu: number, memoryBytes: number): PodSpec {
  const { specHash: _, ...rest } = pod({ containers: [container({ image: "app:v1", resources: { cpu, memoryBytes } })], resources: { cpu, memoryBytes } });
  return { ...rest, specHash: podSpecHash(rest) };
}

async function resize(to: PodSpec, setup: (f: FakeFleet) => void = () => undefined) {
  const fleet = new FakeFleet();
  const v1 = limits(0.25, 64 * MI);
  const names = ["h1", "h2"];
  names.forEach((h, i) => fleet.pods.set(`old${i}`, { host: h, pod: `old${i}`, group: "web", slot: i, image: "app:v1", specHash: v1.specHash, spec: v1, state: "running", health: "healthy", looks: 0 }));
  setup(fleet);
  const hosts = new Map(names.map((n) => [n, fleet.host(n)]));
  const plan = async () =>
    diffFleet({
      owner: "o",
      commit: "c2",
      now: 0,
      services: [service({ replicas: 2, pod: to })],
      placements: names.map((host, slot) => ({ group: "web", slot, host })),
      unplaced: [],
      hosts: names.map((name) => ({ name, state: "ready" as const })),
      observed: (await Promise.all([...hosts.values()].map((h) => h.observe("o").catch(() => [])))).flat(),
    });
  const first = await plan();
  const result = await applyPlan(first, { hosts, clock: fakeClock(), prober: { http: async () => true, tcp: async () => true }, newPodId: () => "new", secrets: () => ({}) });
  return { fleet, first, result, next: await plan() };
}

describe("applyPlan: resize in place (fake hosts)", function () {
  it("resizes each pod with one call, starts and stops nothing, and the next plan is in sync", async function () {
    const { fleet, first, result, next } = await resize(limits(0.5, 128 * MI));
    assert.equal(first.summary.resize, 2);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(fleet.calls, ["h1 resize web/0 main cpu 0.5 memory 128Mi", "h2 resize web/1 main cpu 0.5 memory 128Mi"]);
    assert.deepEqual([...fleet.pods.keys()], ["old0", "old1"], "the same pods run");
    assert.equal(next.summary.inSync, true, JSON.stringify(next.services[0]!.changes));
  });

  it("memory below what a container uses fails the rollout as the commit's fault (stalled), and nothing is restarted", async function () {
    const { fleet, result, next } = await resize(limits(0.25, 32 * MI), (f) => f.memoryInUse.set("old1", 48 * MI));
    const s = result.services[0]!;
    assert.equal(s.result, "failed");
    assert.equal(s.error?.code, "resize-failed");
    assert.equal(s.error?.reaction, "stalled");
    assert.match(s.reason ?? "", /uses 48Mi of memory now, more than the new limit 32Mi/);
    assert.ok(fleet.calls.every((c) => / resize /.test(c)), fleet.calls.join("\n"));
    assert.deepEqual(next.services[0]!.changes.map((c) => c.action), ["keep", "resize"], "the refused pod is still to resize");
  });

  it("a host that stops answering is waited for, not held against the commit", async function () {
    const { result } = await resize(limits(0.5, 64 * MI), (f) => {
      // h2 goes dark just as h1's resize is under way.
      f.onCall = (call) => {
        if (call.startsWith("h1 resize")) f.down.add("h2");
      };
    });
    const s = result.services[0]!;
    assert.equal(s.result, "waiting", JSON.stringify(s));
    assert.equal(s.error?.reaction, "retry");
  });
});
