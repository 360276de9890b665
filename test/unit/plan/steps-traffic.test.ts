/**
 * The route and drain steps of an exposed service (plan/steps.ts): a new
 * pod joins the proxies after its gate, a serving pod leaves them before it
 * stops; a service without expose gets neither.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { diffFleet } from "../../../reconciler/plan/diff.ts";
import { planSteps } from "../../../reconciler/plan/steps.ts";
import type { PlanChange, PodRef, RolloutStep, Wave } from "../../../reconciler/plan/types.ts";
import { container, input, observed, pod, rollout, service } from "./mock.ts";

const EXPOSED = { exposed: true };
const PLAIN = { exposed: false };

const from = (podId: string, host: string, slot: number, status = "healthy"): PodRef => ({
  host,
  pod: podId,
  slot,
  specHash: "old",
  commit: "c0",
  status,
  containers: [{ id: `${podId}-main`, name: `web-${slot}`, container: "main" }],
});

/** A wave as `kind: step step …`, each step as `verb host/slot[/pod]` (pulls as `pull host`). */
function show(waves: readonly Wave[]): string[] {
  const step = (s: RolloutStep) => (s.verb === "pull" ? `pull ${s.host}` : `${s.verb} ${s.host}/${s.slot}${s.pod ? `/${s.pod}` : ""}`);
  return waves.map((w) => `${w.kind}: ${w.tracks.map((t) => t.steps.map(step).join(", ")).join(" | ")}`);
}

const replace = (slot: number, host: string, old: PodRef): PlanChange => ({ action: "replace", slot, host, from: old, reasons: ["image changed"], order: "start-first" });

interface Case {
  readonly name: string;
  readonly changes: PlanChange[];
  readonly rollout?: Parameters<typeof rollout>[0];
  readonly exposed: readonly string[];
  readonly plain: readonly string[];
}

const cases: Case[] = [
  {
    name: "start-first replacement: launch, gate, route the new pod; drain, then stop the old one",
    changes: [replace(0, "h1", from("old0", "h1", 0))],
    exposed: ["pull: pull h1", "replace: launch h1/0, gate h1/0, route h1/0, drain h1/0/old0, stop h1/0/old0", "finish: remove h1/0/old0"],
    plain: ["pull: pull h1", "replace: launch h1/0, gate h1/0, stop h1/0/old0", "finish: remove h1/0/old0"],
  },
  {
    name: "stop-first replacement: drain and stop the old pod first, then launch, gate, route the new one",
    changes: [replace(0, "h1", from("old0", "h1", 0))],
    rollout: { order: "stop-first", maxSurge: 0, maxUnavailable: 1 },
    exposed: ["pull: pull h1", "replace: drain h1/0/old0, stop h1/0/old0, launch h1/0, gate h1/0, route h1/0", "finish: remove h1/0/old0"],
    plain: ["pull: pull h1", "replace: stop h1/0/old0, launch h1/0, gate h1/0", "finish: remove h1/0/old0"],
  },
  {
    name: "two waves of start-first replacements, the new pod on another host",
    changes: [replace(0, "h2", from("old0", "h1", 0)), replace(1, "h2", from("old1", "h2", 1))],
    exposed: [
      "pull: pull h2",
      "replace: launch h2/0, gate h2/0, route h2/0, drain h1/0/old0, stop h1/0/old0",
      "replace: launch h2/1, gate h2/1, route h2/1, drain h2/1/old1, stop h2/1/old1",
      "finish: remove h1/0/old0 | remove h2/1/old1",
    ],
    plain: ["pull: pull h2", "replace: launch h2/0, gate h2/0, stop h1/0/old0", "replace: launch h2/1, gate h2/1, stop h2/1/old1", "finish: remove h1/0/old0 | remove h2/1/old1"],
  },
  {
    name: "a create is routed once it counts",
    changes: [{ action: "create", slot: 2, host: "h3", reason: "scaled up" }],
    exposed: ["pull: pull h3", "repair: launch h3/2, gate h3/2, route h3/2"],
    plain: ["pull: pull h3", "repair: launch h3/2, gate h3/2"],
  },
  {
    // Its old pod is not serving (exited or unhealthy): nothing to drain, its new one is routed.
    name: "a recreate: remove the old pod, launch, gate, route",
    changes: [{ action: "recreate", slot: 0, host: "h1", from: from("old0", "h1", 0, "exited (1)"), reason: "exited" }],
    exposed: ["pull: pull h1", "repair: remove h1/0/old0, launch h1/0, gate h1/0, route h1/0"],
    plain: ["pull: pull h1", "repair: remove h1/0/old0, launch h1/0, gate h1/0"],
  },
  {
    name: "a replacement of an exited pod is a repair: no drain",
    changes: [replace(0, "h1", from("old0", "h1", 0, "exited (137)"))],
    exposed: ["pull: pull h1", "repair: remove h1/0/old0, launch h1/0, gate h1/0, route h1/0"],
    plain: ["pull: pull h1", "repair: remove h1/0/old0, launch h1/0, gate h1/0"],
  },
  {
    name: "removes: a running pod is drained, stopped, removed; an exited one only removed",
    changes: [
      { action: "remove", slot: 3, host: "h1", from: from("p3", "h1", 3), reason: "scaled down" },
      { action: "remove", slot: 4, host: "h2", from: from("p4", "h2", 4, "exited (0)"), reason: "scaled down" },
    ],
    exposed: ["remove: drain h1/3/p3, stop h1/3/p3, remove h1/3/p3 | remove h2/4/p4"],
    plain: ["remove: stop h1/3/p3, remove h1/3/p3 | remove h2/4/p4"],
  },
  {
    name: "a resize and a keep get neither route nor drain",
    changes: [
      { action: "resize", slot: 0, host: "h1", from: from("p0", "h1", 0), reasons: ["cpu 0.25 → 0.5"], resources: [{ container: "main", cpu: 0.5, memoryBytes: 64 * 2 ** 20 }] },
      { action: "keep", slot: 1, host: "h2", from: from("p1", "h2", 1) },
    ],
    exposed: ["resize: resize h1/0/p0"],
    plain: ["resize: resize h1/0/p0"],
  },
];

describe("plan: steps of an exposed service", () => {
  for (const c of cases) {
    it(`${c.name} (exposed)`, () => {
      assert.deepEqual(show(planSteps(c.changes, rollout(c.rollout), pod(), EXPOSED)), c.exposed);
    });
    it(`${c.name} (no expose: unchanged)`, () => {
      assert.deepEqual(show(planSteps(c.changes, rollout(c.rollout), pod(), PLAIN)), c.plain);
      // And the default is no routing.
      assert.deepEqual(planSteps(c.changes, rollout(c.rollout), pod()), planSteps(c.changes, rollout(c.rollout), pod(), PLAIN));
    });
  }

  it("removes without a pod or rollout (as for a deleted service) are still drained when routing is on", () => {
    const changes: PlanChange[] = [{ action: "remove", slot: 0, host: "h1", from: from("p0", "h1", 0), reason: "service deleted" }];
    assert.deepEqual(show(planSteps(changes, undefined, undefined, EXPOSED)), ["remove: drain h1/0/p0, stop h1/0/p0, remove h1/0/p0"]);
  });

  it("diffFleet gives a service with expose its route and drain steps, and one without none", () => {
    const expose = [{ port: 18080, targetPort: "http", containerPort: 8080 }];
    const v1 = pod({ specHash: "v1" });
    const v2 = pod({ specHash: "v2", containers: [container({ image: "127.0.0.1:5000/berth/app:v2" })] });
    const observedPods = [0, 1, 2].map((slot) => observed(v1, slot, `h${slot + 1}`));
    const plan = diffFleet(input({ services: [service({ pod: v2, expose }), service({ name: "api", pod: { ...v2, name: "api" } })], observed: observedPods, placements: [0, 1, 2].flatMap((slot) => [{ group: "web", slot, host: `h${slot + 1}` }, { group: "api", slot, host: `h${slot + 1}` }]) }));
    const verbs = (name: string) => new Set(plan.services.find((s) => s.name === name)!.waves.flatMap((w) => w.tracks.flatMap((t) => t.steps.map((s) => s.verb))));
    assert.ok(verbs("web").has("route") && verbs("web").has("drain"));
    assert.ok(!verbs("api").has("route") && !verbs("api").has("drain"));
  });

  // For any mix of changes and policy: every gate of an exposed service is followed at once by the
  // route of the same slot, and every stop at once preceded by the drain of the same pod; with no
  // expose, dropping route and drain from the exposed steps gives exactly the plain steps.
  it("route follows each gate, drain precedes each stop, and nothing else changes (property)", () => {
    const status = fc.constantFrom("healthy", "running", "starting", "unhealthy", "exited (1)");
    const change = (slot: number): fc.Arbitrary<PlanChange> =>
      fc.oneof(
        fc.record({ host: fc.constantFrom("h1", "h2"), st: status }).map(({ host, st }): PlanChange => replace(slot, host, from(`o${slot}`, "h1", slot, st))),
        fc.constant<PlanChange>({ action: "create", slot, host: "h2", reason: "new" }),
        status.map((st): PlanChange => ({ action: "remove", slot, host: "h1", from: from(`o${slot}`, "h1", slot, st), reason: "scaled down" })),
        fc.constant<PlanChange>({ action: "recreate", slot, host: "h1", from: from(`o${slot}`, "h1", slot, "exited (1)"), reason: "exited" }),
      );
    const policy = fc.record({ maxSurge: fc.integer({ min: 0, max: 2 }), maxUnavailable: fc.integer({ min: 0, max: 2 }), order: fc.constantFrom("start-first" as const, "stop-first" as const) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => change(i)))), policy, (changes, p) => {
        const exposed = planSteps(changes, rollout(p), pod(), EXPOSED);
        const plain = planSteps(changes, rollout(p), pod(), PLAIN);
        for (const w of exposed)
          for (const t of w.tracks)
            t.steps.forEach((s, i) => {
              const next = t.steps[i + 1];
              const prev = t.steps[i - 1];
              if (s.verb === "gate") assert.deepEqual(next && { verb: next.verb, host: next.host, slot: next.slot }, { verb: "route", host: s.host, slot: s.slot });
              if (s.verb === "stop") assert.deepEqual(prev, { verb: "drain", host: s.host, slot: s.slot, pod: s.pod });
            });
        const stripped = exposed.map((w) => ({ ...w, tracks: w.tracks.map((t) => ({ ...t, steps: t.steps.filter((s) => s.verb !== "route" && s.verb !== "drain") })) }));
        assert.deepEqual(stripped, plain);
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
