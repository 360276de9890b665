/**
 * Issue 15, item 3: a change to cpu or memory alone is a resize in place
 * (the engine's container update), when the pod stays on its host; the
 * limits it then has are read back from its containers' names.
 */
import assert from "node:assert/strict";
import type { PodSpec } from "../../../reconciler/model/pod.ts";
import { diffFleet } from "../../../reconciler/plan/diff.ts";
import { formatPlanMarkdown } from "../../../reconciler/plan/format-markdown.ts";
import { formatPlanText } from "../../../reconciler/plan/format-text.ts";
import { groupServicePods } from "../../../reconciler/plan/observed-pods.ts";
import type { PlanChange } from "../../../reconciler/plan/types.ts";
import { podSpecHash } from "../../../reconciler/templates/spec-hash.ts";
import { container, input, observed, pod, service } from "./mock.ts";

const MI = 2 ** 20;

/** A pod with its real spec hash, as templates/expand-pod.ts gives it. */
function hashed(over: Partial<PodSpec> = {}): PodSpec {
  const { specHash: _, ...rest } = pod(over);
  return { ...rest, specHash: podSpecHash(rest) };
}

function limits(cpu: number, memoryBytes: number, over: Partial<PodSpec> = {}): PodSpec {
  return hashed({ containers: [container({ resources: { cpu, memoryBytes } })], resources: { cpu, memoryBytes }, ...over });
}

const v1 = limits(0.25, 64 * MI);
const one = { placements: [{ group: "web", slot: 0, host: "h1" }], hosts: [{ name: "h1", state: "ready" as const }, { name: "h2", state: "ready" as const }] };

describe("diffFleet: resize in place", function () {
  const cases: { name: string; desired: PodSpec; observed: Parameters<typeof observed>[3]; placedOn?: string; want: Partial<PlanChange> & { action: PlanChange["action"] } }[] = [
    {
      name: "cpu alone: resized in place, with the change as the reason",
      desired: limits(0.5, 64 * MI),
      observed: {},
      want: { action: "resize", host: "h1", reasons: ["cpu 0.25 → 0.5"], resources: [{ container: "main", cpu: 0.5, memoryBytes: 64 * MI }] },
    },
    {
      name: "memory alone: resized in place",
      desired: limits(0.25, 128 * MI),
      observed: {},
      want: { action: "resize", host: "h1", reasons: ["memory 64Mi → 128Mi"], resources: [{ container: "main", cpu: 0.25, memoryBytes: 128 * MI }] },
    },
    {
      name: "cpu and an image: replaced",
      desired: hashed({ containers: [container({ image: "127.0.0.1:5000/berth/app:v2", resources: { cpu: 0.5, memoryBytes: 64 * MI } })], resources: { cpu: 0.5, memoryBytes: 64 * MI } }),
      observed: {},
      want: { action: "replace", reasons: ["image 127.0.0.1:5000/berth/app:v1 → 127.0.0.1:5000/berth/app:v2", "cpu 0.25 → 0.5"] },
    },
    {
      name: "cpu, but the scheduler moves the slot (h1 no longer fits): replaced on the new host",
      desired: limits(4, 64 * MI),
      observed: {},
      placedOn: "h2",
      want: { action: "replace", host: "h2", reasons: ["cpu 0.25 → 4", "moved from h1 to h2: rescheduled"] },
    },
    {
      name: "a pod whose spec label cannot be read (an older berth's): replaced",
      desired: limits(0.5, 64 * MI),
      observed: { labels: {} },
      want: { action: "replace", reasons: ["spec changed"] },
    },
    {
      name: "an unhealthy pod: replaced, not resized",
      desired: limits(0.5, 64 * MI),
      observed: { health: "unhealthy" },
      want: { action: "replace" },
    },
    {
      name: "a pod its names say was resized to what git wants: kept",
      desired: limits(0.5, 128 * MI),
      observed: { resources: { cpu: 0.5, memoryBytes: 128 * MI } },
      want: { action: "keep" },
    },
    {
      name: "resized before, resized again: the reason starts from the limits it has now",
      desired: limits(1, 128 * MI),
      observed: { resources: { cpu: 0.5, memoryBytes: 128 * MI } },
      want: { action: "resize", reasons: ["cpu 0.5 → 1"], resources: [{ container: "main", cpu: 1, memoryBytes: 128 * MI }] },
    },
  ];
  for (const c of cases) {
    it(c.name, function () {
      const plan = diffFleet(input({ services: [service({ replicas: 1, pod: c.desired })], observed: [observed(v1, 0, "h1", c.observed)], ...one, placements: [{ group: "web", slot: 0, host: c.placedOn ?? "h1" }] }));
      const change = plan.services[0]!.changes[0]!;
      const got = Object.fromEntries(Object.keys(c.want).map((k) => [k, (change as unknown as Record<string, unknown>)[k]]));
      assert.deepEqual(got, c.want);
      assert.equal(plan.summary.resize, c.want.action === "resize" ? 1 : 0);
      assert.equal(plan.summary.inSync, c.want.action === "keep");
    });
  }

  it("a template container's limits alone: only that container is resized", function () {
    const shipper = (cpu: number) => container({ name: "log-shipper", template: "log-shipper", pattern: "sidecar", image: "127.0.0.1:5000/berth/shipper:v1", resources: { cpu, memoryBytes: 32 * MI } });
    const before = hashed({ containers: [container(), shipper(0.1)], resources: { cpu: 0.35, memoryBytes: 96 * MI } });
    const after = hashed({ containers: [container(), shipper(0.2)], resources: { cpu: 0.45, memoryBytes: 96 * MI } });
    const main = observed(before, 0, "h1");
    const side = observed(before, 0, "h1", { pod: main.pod, container: "log-shipper", labels: {} });
    const plan = diffFleet(input({ services: [service({ replicas: 1, pod: after })], observed: [main, side], ...one }));
    const change = plan.services[0]!.changes[0]!;
    assert.equal(change.action, "resize");
    assert.deepEqual(change.action === "resize" && [change.reasons, change.resources], [["template log-shipper: cpu 0.1 → 0.2"], [{ container: "log-shipper", cpu: 0.2, memoryBytes: 32 * MI }]]);
  });

  it("the limits read from a resized container's name give the pod the spec hash of those limits", function () {
    const [p] = groupServicePods([observed(v1, 0, "h1", { resources: { cpu: 0.5, memoryBytes: 128 * MI } })]);
    assert.equal(p!.ref.specHash, limits(0.5, 128 * MI).specHash);
    assert.deepEqual(p!.spec!.resources, { cpu: 0.5, memoryBytes: 128 * MI });
    assert.equal(p!.resized, true);
  });
});

describe("planSteps: the resize wave", function () {
  it("resizes run in one wave after the pulls and before any replacement, with no gate", function () {
    const v2 = limits(0.5, 64 * MI);
    const plan = diffFleet(
      input({
        services: [service({ replicas: 3, pod: v2 })],
        observed: [observed(v1, 0, "h1"), observed(v1, 1, "h2", { labels: {} }), observed(v1, 2, "h3")],
      }),
    );
    const waves = plan.services[0]!.waves.map((w) => ({ kind: w.kind, slots: w.slots, verbs: w.tracks.map((t) => t.steps.map((s) => s.verb).join(",")) }));
    assert.deepEqual(waves, [
      { kind: "pull", slots: [], verbs: ["pull"] },
      { kind: "resize", slots: [0, 2], verbs: ["resize", "resize"] },
      { kind: "replace", slots: [1], verbs: ["launch,gate,stop"] },
      { kind: "finish", slots: [1], verbs: ["remove"] },
    ]);
    assert.equal(plan.services[0]!.waves[1]!.summary, "resize slots 0,2 in place");
  });
});

describe("printers: resize in place", function () {
  const plan = diffFleet(input({ services: [service({ replicas: 1, pod: limits(0.5, 128 * MI) })], observed: [observed(v1, 0, "h1")], ...one }));
  const pod0 = plan.services[0]!.changes[0]!.action === "resize" ? (plan.services[0]!.changes[0] as Extract<PlanChange, { action: "resize" }>).from.pod : "?";

  it("text: the slot's line, its rollout track and the closing count", function () {
    const text = formatPlanText(plan);
    const lines = text.split("\n");
    assert.ok(lines.includes("  ~ slot 0: resize in place (cpu 0.25 → 0.5, memory 64Mi → 128Mi)"), text);
    assert.ok(lines.includes(`      slot 0 on h1: resize pod ${pod0} to main cpu 0.5, memory 128Mi`), text);
    assert.ok(lines.includes("    wave 1 (resize):"), text);
    assert.ok(lines.includes("Plan: 1 to resize in place, 0 unchanged."), text);
    assert.doesNotMatch(text, /launch|stop pod/);
  });

  it("markdown: a row that says resize in place, with the reasons", function () {
    const md = formatPlanMarkdown(plan);
    assert.ok(md.includes("| 0 | h1 | 📐 resize in place | cpu 0.25 → 0.5<br>memory 64Mi → 128Mi<br>no restart |"), md);
  });

  it("json: the change carries its reasons and the limits each container gets; the summary counts it", function () {
    const back = JSON.parse(JSON.stringify(plan)) as typeof plan;
    const c = back.services[0]!.changes[0]!;
    assert.deepEqual(c.action === "resize" && c.resources, [{ container: "main", cpu: 0.5, memoryBytes: 128 * MI }]);
    assert.equal(back.summary.resize, 1);
    assert.equal(back.summary.inSync, false);
  });
});
