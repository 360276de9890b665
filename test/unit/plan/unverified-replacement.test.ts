/**
 * Issue 11: after `kill -9` mid-rollout, a new pod gated by berth's own
 * http/tcp probe shows engine health `none`, so it looked ready at once; the
 * plan kept it and stopped the healthy old pod before the new one was ever
 * verified. Such a pod next to a ready old one is now an unfinished
 * replacement: the slot is replaced afresh, health-gated, and it goes
 * first — removed at the end, it ran beside the old pod and the fresh one,
 * one above replicas + maxSurge (seen after a leader was killed -9 mid-rollout
 * in test/integration/lease/failover.test.ts).
 */
import assert from "node:assert/strict";
import { servicesFromPlan } from "../../../reconciler/loop/status.ts";
import type { HealthCheck } from "../../../reconciler/model/pod.ts";
import { diffFleet } from "../../../reconciler/plan/diff.ts";
import { formatPlanText } from "../../../reconciler/plan/format-text.ts";
import type { ObservedContainerView } from "../../../reconciler/plan/observed-pods.ts";
import type { PlanChange, RolloutStep } from "../../../reconciler/plan/types.ts";
import { container, input, observed, pod, service } from "./mock.ts";

const timing = { intervalMs: 1000, timeoutMs: 1000, retries: 3, startPeriodMs: 0 };
const HTTP: HealthCheck = { kind: "http", path: "/healthz", port: 8080, scheme: "http", ...timing };
const TCP: HealthCheck = { kind: "tcp", port: 8080, ...timing };
const IMAGE: HealthCheck = { kind: "image" };

const v1 = (health: HealthCheck) => pod({ health });
const v2 = (health: HealthCheck) => pod({ health, specHash: "hash-v2", containers: [container({ image: "127.0.0.1:5000/berth/app:v2" })] });

/** One change as asserted: what, on which pod, and why. */
type Want = { action: PlanChange["action"]; pod?: string; reason?: RegExp };
/** One step as asserted: its wave's kind, the verb, the existing pod it acts on (absent for launch and gate). */
type Step = [kind: string, verb: RolloutStep["verb"], pod?: string];

function got(changes: readonly PlanChange[]): Want[] {
  return changes.map((c) => ({ action: c.action, ...("from" in c && c.from ? { pod: c.from.pod } : {}) }));
}

function reasons(c: PlanChange): string[] {
  if (c.action === "replace") return [...c.reasons];
  return "reason" in c ? [c.reason] : [];
}

/** An interrupted rollout of slot 0 on h1: the old pod `p-old` next to the new `p-new`. */
function slot0(health: HealthCheck, old: Partial<ObservedContainerView> | undefined, fresh: Partial<ObservedContainerView>) {
  return input({
    services: [service({ pod: v2(health), replicas: 1 })],
    placements: [{ group: "web", slot: 0, host: "h1" }],
    observed: [...(old ? [observed(v1(health), 0, "h1", { pod: "p-old", ...old })] : []), observed(v2(health), 0, "h1", { pod: "p-new", ...fresh })],
  });
}

const replacedAfresh = (kind: string, duplicate: RegExp, unfinished = kind !== "image"): { want: Want[]; steps: Step[] } => ({
  // Changes are listed by slot, removals first; the steps below give the order they run in.
  want: [
    { action: "remove", pod: "p-new", reason: duplicate },
    { action: "replace", pod: "p-old", reason: kind === "image" ? /^image .* → .*app:v2$/ : new RegExp(`^new pod p-new on h1 was never verified by berth's ${kind} probe \\(berth stopped mid-rollout\\): the slot is replaced afresh$`) },
  ],
  // The old pod stops only after a fresh new pod passed the gate. The unfinished one berth's probe never verified goes first (it serves nothing, and takes no surge then); a duplicate the engine's own check still calls starting goes last, as before.
  steps: [
    ...(unfinished ? ([["remove", "stop", "p-new"], ["remove", "remove", "p-new"]] as Step[]) : []),
    ["pull", "pull"],
    ["replace", "launch"],
    ["replace", "gate"],
    ["replace", "stop", "p-old"],
    ["finish", "remove", "p-old"],
    ...(unfinished ? [] : ([["remove", "stop", "p-new"], ["remove", "remove", "p-new"]] as Step[])),
  ],
});

describe("diffFleet: a new pod berth's probe never verified (issue 11)", function () {
  const cases: { name: string; in: Parameters<typeof diffFleet>[0]; want: Want[]; steps: Step[] }[] = [
    {
      name: "http probe: a running new pod (engine health none) next to the ready old one is replaced afresh, and goes first",
      in: slot0(HTTP, { health: "healthy" }, { health: "none" }),
      ...replacedAfresh("http", /^unfinished replacement: berth stopped mid-rollout before its http probe passed$/),
    },
    {
      name: "tcp probe: the same",
      in: slot0(TCP, { health: "none" }, { health: "none" }),
      ...replacedAfresh("tcp", /^unfinished replacement: berth stopped mid-rollout before its tcp probe passed$/),
    },
    {
      name: "http probe: the engine calling the new pod healthy (the image's own HEALTHCHECK) is not berth's probe; replaced afresh",
      in: slot0(HTTP, { health: "healthy" }, { health: "healthy" }),
      ...replacedAfresh("http", /^unfinished replacement: berth stopped mid-rollout before its http probe passed$/),
    },
    {
      name: "image health: a new pod still starting next to the ready old one is replaced afresh, as before",
      in: slot0(IMAGE, { health: "healthy" }, { health: "starting" }),
      ...replacedAfresh("image", /^duplicate pod for slot 0 \(starting\)$/),
    },
    {
      name: "http probe: the new pod alone (the old one already gone) is kept",
      in: slot0(HTTP, undefined, { health: "none" }),
      want: [{ action: "keep", pod: "p-new" }],
      steps: [],
    },
    {
      name: "http probe: next to an old pod berth already stopped (it stops the old pod only after the gate), the new pod is kept and the old one removed",
      in: slot0(HTTP, { state: "exited", exitCode: 0 }, { health: "none" }),
      want: [
        { action: "remove", pod: "p-old", reason: /^duplicate pod for slot 0 \(exited \(0\)\)$/ },
        { action: "keep", pod: "p-new" },
      ],
      steps: [["remove", "remove", "p-old"]],
    },
    {
      name: "image health without a HEALTHCHECK: running is ready, so the new pod is kept and the old one goes, as before",
      in: slot0(IMAGE, { health: "none" }, { health: "none" }),
      want: [
        { action: "remove", pod: "p-old", reason: /^duplicate pod for slot 0 \(running\)$/ },
        { action: "keep", pod: "p-new" },
      ],
      steps: [
        ["remove", "stop", "p-old"],
        ["remove", "remove", "p-old"],
      ],
    },
  ];

  for (const c of cases) {
    it(c.name, function () {
      const svc = diffFleet(c.in).services[0]!;
      assert.deepEqual(got(svc.changes), c.want.map(({ reason: _, ...w }) => w));
      for (const [i, w] of c.want.entries()) if (w.reason) assert.ok(reasons(svc.changes[i]!).some((r) => w.reason!.test(r)), `${w.action} ${w.pod}: ${JSON.stringify(reasons(svc.changes[i]!))} has no reason matching ${w.reason}`);
      const steps = svc.waves.flatMap((w) => w.tracks.flatMap((t) => t.steps.map((s): Step => (s.pod ? [w.kind, s.verb, s.pod] : [w.kind, s.verb]))));
      assert.deepEqual(steps, c.steps);
    });
  }

  it("the printed plan says why the new pod is not kept", function () {
    const text = formatPlanText(diffFleet(slot0(HTTP, { health: "healthy" }, { health: "none" })));
    assert.match(text, /~ slot 0: replace pod p-old on h1, start-first\n(?: {6}.*\n)*? {6}new pod p-new on h1 was never verified by berth's http probe \(berth stopped mid-rollout\): the slot is replaced afresh\n/);
    assert.match(text, /slot 0: remove pod p-new on h1 \(unfinished replacement: berth stopped mid-rollout before its http probe passed\)/);
  });

  it("status counts the old pod as serving, not the unverified new one, while the slot is replaced", function () {
    const plan = diffFleet(slot0(HTTP, { health: "healthy", commit: "old-commit" }, { health: "none", commit: "new-commit" }));
    // The daemon's `verified` set only ever holds pods whose gate passed in this process; p-new is not one.
    const [web] = servicesFromPlan(plan, new Map());
    assert.deepEqual({ ready: web!.ready, commit: web!.commit, health: web!.health }, { ready: 1, commit: "old-commit", health: "progressing" });
    assert.equal(plan.summary.inSync, false);
  });
});
