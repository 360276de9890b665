/**
 * Invariants of the scheduler over random small fleets (fast-check).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { constraintsHold } from "../../../scheduler/filters.ts";
import { placePods } from "../../../scheduler/place.ts";
import type { Constraint, SchedGroup, SchedHost, ScheduleInput } from "../../../scheduler/types.ts";

const GiB = 2 ** 30;
const zones = ["a", "b", "c"];

const hostArb = (i: number): fc.Arbitrary<SchedHost> =>
  fc.record({
    zone: fc.constantFrom(...zones),
    ssd: fc.boolean(),
    cpu: fc.constantFrom(1, 2, 4, 8),
    mem: fc.constantFrom(1, 2, 4, 8),
    state: fc.constantFrom("ready", "ready", "ready", "drained", "down") as fc.Arbitrary<SchedHost["state"]>,
  }).map(({ zone, ssd, cpu, mem, state }) => ({
    name: `h${String(i).padStart(2, "0")}`,
    labels: { zone, ...(ssd ? { ssd: "yes" } : {}) },
    capacity: { cpu, memory: mem * GiB },
    state,
  }));

const constraintArb: fc.Arbitrary<Constraint[]> = fc.constantFrom<Constraint[]>(
  [],
  [],
  [{ label: "zone", op: "==", values: ["a"] }],
  [{ label: "zone", op: "!=", values: ["b"] }],
  [{ label: "zone", op: "in", values: ["a", "c"] }],
  [{ label: "zone", op: "notin", values: ["c"] }],
  [{ label: "ssd", op: "exists", values: [] }],
);

const groupArb = (i: number): fc.Arbitrary<SchedGroup> =>
  fc.record({
    replicas: fc.integer({ min: 0, max: 6 }),
    cpu: fc.constantFrom(0.25, 0.5, 1, 2),
    mem: fc.constantFrom(0.25, 0.5, 1, 2),
    constraints: constraintArb,
    spread: fc.boolean(),
    binpack: fc.boolean(),
    port: fc.option(fc.constantFrom(80, 443), { nil: undefined }),
    pack: fc.boolean(),
  }).map((g) => ({
    kind: "service" as const,
    name: `g${i}`,
    replicas: g.replicas,
    resources: { cpu: g.cpu, memory: g.mem * GiB },
    hostPorts: g.port ? [g.port] : [],
    constraints: g.constraints,
    ...(g.spread ? { spread: "zone" } : {}),
    strategy: g.binpack ? ("binpack" as const) : ("spread" as const),
    distinctHosts: !g.pack,
  }));

const inputArb: fc.Arbitrary<ScheduleInput> = fc
  .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 8 }), fc.integer())
  .chain(([nh, ng, seed]) =>
    fc.record({
      hosts: fc.tuple(...Array.from({ length: nh }, (_, i) => hostArb(i))),
      groups: fc.tuple(...Array.from({ length: ng }, (_, i) => groupArb(i))),
      seed: fc.constant(seed),
    }),
  )
  .map(({ hosts, groups, seed }) => ({ hosts, groups, current: [], seed }));

function check(input: ScheduleInput): void {
  const r = placePods(input);
  const hosts = new Map(input.hosts.map((h) => [h.name, h]));
  const groups = new Map(input.groups.map((g) => [g.name, g]));
  const cpu = new Map<string, number>();
  const mem = new Map<string, number>();
  const ports = new Set<string>();
  for (const p of r.placements) {
    const h = hosts.get(p.host)!;
    const g = groups.get(p.group)!;
    assert.equal(h.state, "ready", `${p.group}/${p.slot} placed on ${h.state} host ${h.name}`);
    assert.ok(constraintsHold(h.labels, g.constraints), `${p.group} constraints violated on ${h.name}`);
    cpu.set(h.name, (cpu.get(h.name) ?? 0) + g.resources.cpu);
    mem.set(h.name, (mem.get(h.name) ?? 0) + g.resources.memory);
    for (const port of g.hostPorts) {
      const key = `${h.name}:${port}`;
      assert.ok(!ports.has(key), `host port ${key} used twice`);
      ports.add(key);
    }
  }
  for (const [name, used] of cpu) assert.ok(used <= hosts.get(name)!.capacity.cpu + 1e-9, `cpu exceeded on ${name}`);
  for (const [name, used] of mem) assert.ok(used <= hosts.get(name)!.capacity.memory, `memory exceeded on ${name}`);
  for (const g of input.groups) {
    const placed = r.placements.filter((p) => p.group === g.name);
    const unplaced = r.unplaced.find((u) => u.group === g.name);
    assert.equal(placed.length + (unplaced?.slots.length ?? 0), g.replicas, `every replica of ${g.name} placed or explained`);
    if (unplaced) assert.ok(unplaced.reason.length > 0 && unplaced.byReason.length > 0, "unplaced replicas carry a reason");
    if (g.distinctHosts) assert.equal(new Set(placed.map((p) => p.host)).size, placed.length, `${g.name} replicas on distinct hosts`);
  }
}

describe("placePods properties", function () {
  it("never exceeds capacity, always honours constraints, distinct hosts and ports, and explains every unplaced replica", function () {
    fc.assert(fc.property(inputArb, (input) => check(input)), { numRuns: 300 });
  });

  it("scheduling again with its own output as the current placements changes nothing", function () {
    fc.assert(
      fc.property(inputArb, (input) => {
        const first = placePods(input);
        const again = placePods({ ...input, current: first.placements, seed: input.seed + 1 });
        assert.deepEqual(again.placements, first.placements);
      }),
      { numRuns: 300 },
    );
  });

  it("the same inputs and seed give the same result", function () {
    fc.assert(fc.property(inputArb, (input) => assert.deepEqual(placePods(input), placePods(input))), { numRuns: 100 });
  });

  it("spreads replicas over zones within ±1 when every zone has room", function () {
    // Feasible by construction: every zone has more roomy hosts than replicas.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer(), fc.boolean(), (replicas, seed, binpack) => {
        const hosts: SchedHost[] = Array.from({ length: 30 }, (_, i) => ({ name: `h${i}`, labels: { zone: zones[i % 3]! }, capacity: { cpu: 4, memory: 4 * GiB }, state: "ready" }));
        const g: SchedGroup = { kind: "service", name: "web", replicas, resources: { cpu: 1, memory: GiB }, hostPorts: [], constraints: [], spread: "zone", strategy: binpack ? "binpack" : "spread" };
        const r = placePods({ hosts, groups: [g], current: [], seed });
        const counts = zones.map((z) => r.placements.filter((p) => hosts.find((h) => h.name === p.host)!.labels["zone"] === z).length);
        assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `zone counts ${counts.join("/")}`);
      }),
      { numRuns: 200 },
    );
  });
});
