/**
 * The rollout's progress as status shows it (reconciler/loop/rollout-progress.ts):
 * the plan's changing slots queued, then each event moving its slot on.
 */
import assert from "node:assert/strict";
import { RolloutProgress, type RolloutStatus } from "../../../reconciler/loop/rollout-progress.ts";
import type { RolloutEvent } from "../../../reconciler/rollout/events.ts";
import { trafficPlan } from "../plan/traffic-fixtures.ts";

const T0 = Date.parse("2026-05-01T12:00:00Z");
const ev = (s: number, over: Omit<RolloutEvent, "at" | "message"> & { message?: string }): RolloutEvent => ({ at: T0 + s * 1000, message: over.message ?? over.phase, ...over });
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function after(events: readonly RolloutEvent[], endAt?: number): RolloutStatus {
  const p = new RolloutProgress();
  p.begin(trafficPlan(), T0);
  for (const e of events) p.note(e);
  if (endAt !== undefined) p.end(T0 + endAt * 1000);
  return p.snapshot()!;
}

const web = (r: RolloutStatus) => r.services.find((s) => s.service === "web")!;

describe("RolloutProgress", () => {
  it("is nothing before the first rollout", () => assert.equal(new RolloutProgress().snapshot(), undefined));

  it("queues the slots the plan changes, not those it keeps", () => {
    const r = after([]);
    assert.equal(r.commit, trafficPlan().commit);
    assert.equal(r.startedAt, at(0));
    assert.equal(r.endedAt, undefined);
    assert.deepEqual(
      r.services.map((s) => [s.service, s.slots.map((x) => `${x.slot}@${x.host} ${x.action} ${x.phase}`)]),
      [
        ["berth-proxy", ["2@h3 create queued"]],
        ["web", ["0@h1 replace queued"]],
      ],
    );
    assert.equal(web(r).progressDeadlineMs, trafficPlan().services.find((s) => s.name === "web")!.rollout!.progressDeadlineMs);
  });

  const cases: { name: string; events: RolloutEvent[]; phase: string; since: number; startedAt?: number }[] = [
    { name: "a started pod is launching (at the health gate) from its start", events: [ev(1, { service: "web", phase: "pull", host: "h1" }), ev(2, { service: "web", phase: "start", host: "h1", slot: 0, pod: "new" })], phase: "launching", since: 2, startedAt: 2 },
    { name: "a pod that counts is ready", events: [ev(2, { service: "web", phase: "start", host: "h1", slot: 0, pod: "new" }), ev(5, { service: "web", phase: "ready", host: "h1", slot: 0, pod: "new" })], phase: "ready", since: 5, startedAt: 2 },
    {
      name: "the old pod draining, then stopping, moves the slot on",
      events: [ev(2, { service: "web", phase: "start", host: "h1", slot: 0, pod: "new" }), ev(5, { service: "web", phase: "ready", host: "h1", slot: 0, pod: "new" }), ev(6, { service: "web", phase: "drain", host: "h1", slot: 0, pod: "p-1" }), ev(7, { service: "web", phase: "stop", host: "h1", slot: 0, pod: "p-1" })],
      phase: "stopping",
      since: 7,
      startedAt: 2,
    },
    { name: "a slot's failure is failed", events: [ev(2, { service: "web", phase: "start", host: "h1", slot: 0, pod: "new" }), ev(9, { service: "web", phase: "failed", host: "h1", slot: 0, pod: "new", message: "health check failed" })], phase: "failed", since: 9, startedAt: 2 },
    { name: "the service's done ends every slot still going", events: [ev(2, { service: "web", phase: "start", host: "h1", slot: 0, pod: "new" }), ev(8, { service: "web", phase: "done", message: "converged" })], phase: "done", since: 8, startedAt: 2 },
    { name: "a rolled-back slot stays rolled back after done", events: [ev(3, { service: "web", phase: "rollback", host: "h1", slot: 0, pod: "p-1" }), ev(8, { service: "web", phase: "done" })], phase: "rolled-back", since: 3 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const [slot] = web(after(c.events)).slots;
      assert.equal(slot!.phase, c.phase);
      assert.equal(slot!.since, at(c.since));
      assert.equal(slot!.startedAt, c.startedAt === undefined ? undefined : at(c.startedAt));
    });
  }

  it("marks a service finished by its done or its failure, and keeps its last step", () => {
    const r = after([ev(1, { service: "web", phase: "done", message: "converged" }), ev(2, { service: "berth-proxy", phase: "failed", message: "paused: x" })], 3);
    assert.equal(web(r).finished, "converged");
    assert.deepEqual(web(r).last, { at: at(1), phase: "done", message: "converged" });
    assert.equal(r.services.find((s) => s.service === "berth-proxy")!.finished, "failed");
    assert.equal(r.endedAt, at(3));
  });

  it("shows a service the plan did not list from its first event", () => {
    const p = new RolloutProgress();
    p.begin({ ...trafficPlan(), services: [] }, T0);
    p.note(ev(1, { service: "berth-proxy", phase: "failed", message: "the proxy on h2 was not updated: gone" }));
    assert.deepEqual(p.snapshot()!.services.map((s) => [s.service, s.finished, s.slots.length]), [["berth-proxy", "failed", 0]]);
  });

  it("leaves out a service with nothing to change, which only reports done", () => {
    const p = new RolloutProgress();
    p.begin({ ...trafficPlan(), services: [] }, T0);
    p.note(ev(1, { service: "api", phase: "done", message: "converged" }));
    assert.deepEqual(p.snapshot()!.services, []);
  });

  it("starts afresh with the next apply", () => {
    const p = new RolloutProgress();
    p.begin(trafficPlan(), T0);
    p.note(ev(1, { service: "web", phase: "start", host: "h1", slot: 0, pod: "new" }));
    p.end(T0 + 5000);
    p.begin({ ...trafficPlan(), commit: "next", services: [] }, T0 + 9000);
    assert.deepEqual(p.snapshot(), { commit: "next", startedAt: at(9), services: [] });
  });
});
