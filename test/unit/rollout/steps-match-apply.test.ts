/**
 * The plan's steps are what apply does. Guards the bug where the plan
 * printed `waves` while apply-plan.ts ran its own token loop: a start-first
 * replacement that got an unavailability token ran stop-first while the
 * plan said start-first.
 *
 * Each case plans a rollout on recording fake hosts, renders every printed
 * step as the call the fake host would record, applies the plan, and checks
 * that the recorded calls are exactly those: wave by wave (no call of a
 * wave before the previous wave's last), and in order within each track.
 */
import assert from "node:assert/strict";
import type { RolloutPolicy } from "../../../reconciler/model/fleet.ts";
import type { PodSpec } from "../../../reconciler/model/pod.ts";
import { diffFleet } from "../../../reconciler/plan/diff.ts";
import type { Plan, PlanHost, RolloutStep, Track } from "../../../reconciler/plan/types.ts";
import { applyPlan } from "../../../reconciler/rollout/apply-plan.ts";
import { FakeFleet, fakeClock } from "../../support/fake-host.ts";
import { container, pod, rollout, service } from "../plan/mock.ts";

const podOf = (image: string, over: Partial<PodSpec> = {}) => pod({ specHash: `hash-${image}`, containers: [container({ image })], ...over });
const fixedPort = { ports: [{ name: "http", container: "main", containerPort: 8080, hostPort: 8080, protocol: "tcp" as const }] };

interface Case {
  readonly name: string;
  /** Pods running before: [host, slot, image]. */
  readonly seed: readonly (readonly [string, number, string])[];
  readonly replicas: number;
  readonly image: string;
  readonly pod?: Partial<PodSpec>;
  readonly rollout?: Partial<RolloutPolicy>;
  /** Where the scheduler put each desired slot. */
  readonly placements: readonly (readonly [number, string])[];
  readonly hosts?: readonly PlanHost[];
  /** The strategies the plan must show, by slot. */
  readonly strategies?: Readonly<Record<number, string>>;
}

const cases: Case[] = [
  {
    name: "start-first, maxSurge 1: one slot a wave, launch and gate before the stop",
    seed: [["h1", 0, "app:v1"], ["h2", 1, "app:v1"], ["h3", 2, "app:v1"]],
    replicas: 3,
    image: "app:v2",
    placements: [[0, "h1"], [1, "h2"], [2, "h3"]],
    strategies: { 0: "start-first", 1: "start-first", 2: "start-first" },
  },
  {
    name: "maxSurge 1 with maxUnavailable 1: the second slot of a wave goes stop-first, and the plan says so",
    seed: [["h1", 0, "app:v1"], ["h2", 1, "app:v1"], ["h3", 2, "app:v1"]],
    replicas: 3,
    image: "app:v2",
    rollout: { maxSurge: 1, maxUnavailable: 1 },
    placements: [[0, "h1"], [1, "h2"], [2, "h3"]],
    strategies: { 0: "start-first", 1: "stop-first", 2: "start-first" },
  },
  {
    name: "a fixed host port held by the old pod: stop-first on that host",
    seed: [["h1", 0, "app:v1"], ["h2", 1, "app:v1"]],
    replicas: 2,
    image: "app:v2",
    pod: fixedPort,
    placements: [[0, "h1"], [1, "h2"]],
    strategies: { 0: "stop-first", 1: "stop-first" },
  },
  {
    name: "stop-first order with maxUnavailable 2: two slots a wave, stop before launch",
    seed: [["h1", 0, "app:v1"], ["h2", 1, "app:v1"], ["h3", 2, "app:v1"]],
    replicas: 3,
    image: "app:v2",
    rollout: { order: "stop-first", maxSurge: 0, maxUnavailable: 2 },
    placements: [[0, "h1"], [1, "h2"], [2, "h3"]],
    strategies: { 0: "stop-first", 1: "stop-first", 2: "stop-first" },
  },
  {
    name: "a scale-up and a scale-down in one plan: creates first, removals last",
    seed: [["h1", 0, "app:v1"], ["h2", 1, "app:v1"], ["h3", 4, "app:v1"]],
    replicas: 3,
    image: "app:v1",
    placements: [[0, "h1"], [1, "h2"], [2, "h3"]],
  },
  {
    name: "a pod moved off a host that left git: started on the new host, then stopped and removed on the old one",
    seed: [["h1", 0, "app:v1"], ["h9", 1, "app:v1"]],
    replicas: 2,
    image: "app:v1",
    placements: [[0, "h1"], [1, "h2"]],
    hosts: [
      { name: "h1", state: "ready" },
      { name: "h2", state: "ready" },
      { name: "h9", state: "ready", leftGit: true },
    ],
    strategies: { 1: "start-first" },
  },
];

/** The call a recording fake host logs for a step, or undefined for a gate (it only looks). */
function callOf(step: RolloutStep, images: ReadonlyMap<string, string>, image: string): string | undefined {
  switch (step.verb) {
    case "pull":
      return `${step.host} pull ${step.image}`;
    case "launch":
      return `${step.host} launch web/${step.slot} ${image}`;
    case "gate":
      return undefined;
    case "stop":
    case "remove":
      return `${step.host} ${step.verb} web/${step.slot} ${images.get(step.pod!)}`;
  }
}

async function planAndApply(c: Case): Promise<{ plan: Plan; calls: string[]; images: Map<string, string> }> {
  const fleet = new FakeFleet();
  c.seed.forEach(([host, slot, image], i) => fleet.seed(host, `old${i}`, "web", slot, image, `hash-${image}`));
  const hostNames = [...new Set([...c.seed.map(([h]) => h), ...c.placements.map(([, h]) => h)])].sort();
  const hosts = new Map(hostNames.map((n) => [n, fleet.host(n)]));
  const observed = (await Promise.all([...hosts.values()].map((h) => h.observe("o")))).flat();
  const images = new Map([...fleet.pods.values()].map((p) => [p.pod, p.image]));
  const plan = diffFleet({
    owner: "o",
    commit: "c2",
    now: 0,
    services: [service({ replicas: c.replicas, pod: podOf(c.image, c.pod), rollout: rollout(c.rollout) })],
    placements: c.placements.map(([slot, host]) => ({ group: "web", slot, host })),
    unplaced: [],
    hosts: c.hosts ?? hostNames.map((name) => ({ name, state: "ready" as const })),
    observed,
  });
  let n = 0;
  const result = await applyPlan(plan, { hosts, clock: fakeClock(), prober: { http: async () => true, tcp: async () => true }, newPodId: () => `new${n++}`, secrets: () => ({}) });
  assert.equal(result.ok, true, JSON.stringify(result));
  return { plan, calls: fleet.calls.filter((call) => !/ look /.test(call)), images };
}

describe("rollout: the printed steps are the executed steps", function () {
  for (const c of cases) {
    it(c.name, async function () {
      const { plan, calls, images } = await planAndApply(c);
      const waves = plan.services[0]!.waves;
      assert.ok(waves.length > 0, "the plan has steps");
      const expected = (t: Track) => t.steps.flatMap((s) => callOf(s, images, c.image) ?? []);
      let at = 0;
      for (const w of waves) {
        const want = w.tracks.flatMap(expected);
        const got = calls.slice(at, at + want.length);
        assert.deepEqual([...got].sort(), [...want].sort(), `wave ${w.index} (${w.summary}): its calls, and no other, before the next wave\n${calls.join("\n")}`);
        for (const t of w.tracks) {
          const mine = new Set(expected(t));
          assert.deepEqual(got.filter((call) => mine.has(call)), expected(t), `wave ${w.index}, ${t.slot === undefined ? t.host : `slot ${t.slot}`}: steps in order`);
        }
        at += want.length;
      }
      assert.equal(at, calls.length, `no call beyond the printed steps:\n${calls.slice(at).join("\n")}`);
      for (const [slot, strategy] of Object.entries(c.strategies ?? {})) {
        const change = plan.services[0]!.changes.find((x) => x.slot === Number(slot) && x.action === "replace");
        assert.equal(change?.action === "replace" && change.order, strategy, `slot ${slot}: the change says the strategy its steps have`);
      }
    });
  }
});
