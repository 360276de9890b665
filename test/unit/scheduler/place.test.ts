import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { placePods } from "../../../scheduler/place.ts";
import { seededRandom } from "../../../scheduler/random.ts";
import type { Constraint, SchedGroup, SchedHost, ScheduleInput } from "../../../scheduler/types.ts";
import { GiB, group, host } from "./mock.ts";

const three = [host("h1", { labels: { zone: "a" } }), host("h2", { labels: { zone: "a" } }), host("h3", { labels: { zone: "b" } })];

describe("placePods", function () {
  const cases: { name: string; input: ScheduleInput; want: Record<string, string[]>; unplaced?: Record<string, RegExp> }[] = [
    {
      name: "replicas of one service land on distinct hosts",
      input: { hosts: three, groups: [group("web", { replicas: 3 })], current: [], seed: 1 },
      want: { web: ["h1", "h2", "h3"].sort() },
    },
    {
      name: "a hard constraint always holds",
      input: { hosts: three, groups: [group("web", { replicas: 2, constraints: [{ label: "zone", op: "==", values: ["a"] }] })], current: [], seed: 1 },
      want: { web: ["h1", "h2"] },
    },
    {
      name: "notin and exists constraints",
      input: {
        hosts: [host("h1", { labels: { zone: "a", ssd: "yes" } }), host("h2", { labels: { zone: "b" } }), host("h3", { labels: { zone: "c", ssd: "yes" } })],
        groups: [group("db", { replicas: 3, constraints: [{ label: "ssd", op: "exists", values: [] }, { label: "zone", op: "notin", values: ["c"] }] })],
        current: [],
        seed: 1,
      },
      want: { db: ["h1"] },
      unplaced: { db: /2 hosts: already runs a replica of db|1 host: constraint ssd exists not met/ },
    },
    {
      name: "capacity is never exceeded; what does not fit is explained by reason",
      input: { hosts: [host("h1", { capacity: { cpu: 1, memory: 8 * GiB } }), host("h2", { capacity: { cpu: 0.5, memory: 8 * GiB } })], groups: [group("big", { replicas: 2 })], current: [], seed: 1 },
      want: { big: ["h1"] },
      unplaced: { big: /^1 host: already runs a replica of big; 1 host: cpu exhausted \(needs 1, most free 0\.5\)$/ },
    },
    {
      name: "packing allowed: several replicas on one host when distinctHosts is false",
      input: { hosts: [host("h1", { capacity: { cpu: 4, memory: 8 * GiB } })], groups: [group("pack", { replicas: 3, distinctHosts: false })], current: [], seed: 1 },
      want: { pack: ["h1", "h1", "h1"] },
    },
    {
      name: "binpack fills the most allocated host first",
      input: {
        hosts: [host("h1"), host("h2")],
        groups: [group("a", { replicas: 1, resources: { cpu: 2, memory: GiB } }), group("b", { replicas: 1, strategy: "binpack", resources: { cpu: 1, memory: GiB } })],
        current: [{ group: "a", slot: 0, host: "h2" }],
        seed: 1,
      },
      want: { a: ["h2"], b: ["h2"] },
    },
    {
      name: "spread strategy picks the least allocated host",
      input: {
        hosts: [host("h1"), host("h2")],
        groups: [group("a", { replicas: 1, resources: { cpu: 2, memory: GiB } }), group("b", { replicas: 1, strategy: "spread", resources: { cpu: 1, memory: GiB } })],
        current: [{ group: "a", slot: 0, host: "h2" }],
        seed: 1,
      },
      want: { a: ["h2"], b: ["h1"] },
    },
    {
      name: "a fixed host port is used once per host",
      input: { hosts: [host("h1"), host("h2", { portsInUse: [8080] })], groups: [group("p", { replicas: 2, hostPorts: [8080], distinctHosts: false })], current: [], seed: 1 },
      want: { p: ["h1"] },
      unplaced: { p: /^2 hosts: host port 8080 in use$/ },
    },
    {
      name: "sticky: a pod that still fits stays where it runs",
      input: { hosts: three, groups: [group("web", { replicas: 2 })], current: [{ group: "web", slot: 0, host: "h3" }, { group: "web", slot: 1, host: "h2" }], seed: 99 },
      want: { web: ["h3", "h2"] },
    },
    {
      name: "pods on a drained or down host are placed elsewhere",
      input: {
        hosts: [host("h1", { state: "drained" }), host("h2", { state: "down" }), host("h3")],
        groups: [group("web", { replicas: 1 }), group("api", { replicas: 1 })],
        current: [{ group: "web", slot: 0, host: "h1" }, { group: "api", slot: 0, host: "h2" }],
        seed: 1,
      },
      want: { web: ["h3"], api: ["h3"] },
    },
    {
      name: "scaling down removes from the most loaded hosts first, keeping slot numbers",
      input: {
        hosts: three,
        groups: [group("web", { replicas: 2 }), group("heavy", { replicas: 1, resources: { cpu: 2, memory: GiB } })],
        current: [{ group: "web", slot: 0, host: "h1" }, { group: "web", slot: 1, host: "h2" }, { group: "web", slot: 2, host: "h3" }, { group: "heavy", slot: 0, host: "h1" }],
        seed: 1,
      },
      want: { web: ["h2", "h3"], heavy: ["h1"] },
    },
    {
      name: "jobs are placed by the same code",
      input: { hosts: three, groups: [group("nightly", { kind: "job", replicas: 1, constraints: [{ label: "zone", op: "==", values: ["b"] }] })], current: [], seed: 1 },
      want: { nightly: ["h3"] },
    },
  ];

  for (const c of cases) {
    it(c.name, function () {
      const r = placePods(c.input);
      for (const [g, hosts] of Object.entries(c.want)) {
        const got = r.placements.filter((p) => p.group === g).map((p) => p.host);
        assert.deepEqual(c.name.startsWith("replicas of one") ? got.sort() : got, hosts, `placements of ${g}`);
      }
      for (const [g, re] of Object.entries(c.unplaced ?? {})) {
        const u = r.unplaced.find((x) => x.group === g);
        assert.ok(u, `${g} should have unplaced slots`);
        assert.match(u.reason, re);
      }
      if (!c.unplaced) assert.deepEqual(r.unplaced, []);
    });
  }

  it("spread over zones: 4 replicas on 2 zones of 3 hosts each go 2 and 2", function () {
    const hosts = ["a", "a", "a", "b", "b", "b"].map((z, i) => host(`h${i + 1}`, { labels: { zone: z } }));
    const r = placePods({ hosts, groups: [group("web", { replicas: 4, spread: "zone" })], current: [], seed: 3 });
    const zoneOf = new Map(hosts.map((h) => [h.name, h.labels["zone"]]));
    const counts = { a: 0, b: 0 } as Record<string, number>;
    for (const p of r.placements) counts[zoneOf.get(p.host)!]!++;
    assert.deepEqual(counts, { a: 2, b: 2 });
  });

  it("scaling down keeps slot numbers of the survivors and scaling up fills the gaps", function () {
    const down = placePods({
      hosts: three,
      groups: [group("web", { replicas: 2 }), group("heavy", { replicas: 1, resources: { cpu: 2, memory: GiB } })],
      current: [{ group: "web", slot: 0, host: "h1" }, { group: "web", slot: 1, host: "h2" }, { group: "web", slot: 2, host: "h3" }, { group: "heavy", slot: 0, host: "h1" }],
      seed: 1,
    });
    assert.deepEqual(down.placements.filter((p) => p.group === "web").map((p) => p.slot), [1, 2]);
    const up = placePods({ hosts: three, groups: [group("web", { replicas: 3 })], current: down.placements.filter((p) => p.group === "web"), seed: 1 });
    assert.deepEqual(up.placements.map((p) => [p.slot, p.host]), [[0, "h1"], [1, "h2"], [2, "h3"]]);
  });

  it("the same inputs and seed give the same result; the input order does not matter", function () {
    const hosts = Array.from({ length: 40 }, (_, i) => host(`h${i}`, { labels: { zone: "abc"[i % 3]! } }));
    const groups = Array.from({ length: 30 }, (_, i) => group(`g${i}`, { replicas: 3, spread: "zone", strategy: i % 2 ? "binpack" : "spread" }));
    const a = placePods({ hosts, groups, current: [], seed: 7 });
    const b = placePods({ hosts: [...hosts].reverse(), groups: [...groups].reverse(), current: [], seed: 7 });
    assert.deepEqual(a, b);
  });

  it("a 1,000-host fleet gets the placements and reasons it got before issue 15's rewrite (sampled search, spread, ports, states, scaling up)", function () {
    // The digest was taken with the scheduler as it was before the filters
    // became one list; a change here is a change of placements, to be
    // explained in its commit.
    const rand = seededRandom(15);
    const zones = ["a", "b", "c"];
    const hosts: SchedHost[] = Array.from({ length: 1000 }, (_, i) => ({
      name: `h${String(i).padStart(4, "0")}`,
      labels: { zone: zones[i % 3]!, ...(i % 4 === 0 ? { ssd: "yes" } : {}) },
      capacity: { cpu: [4, 8, 16][i % 3]!, memory: [8, 16, 32][i % 3]! * GiB },
      state: i % 50 === 7 ? "drained" : i % 70 === 9 ? "down" : "ready",
      ...(i % 25 === 3 ? { portsInUse: [443] } : {}),
    }));
    const constraintSets: Constraint[][] = [[], [], [{ label: "zone", op: "!=", values: ["c"] }], [{ label: "ssd", op: "exists", values: [] }], [{ label: "zone", op: "in", values: ["a", "b"] }]];
    const groups: SchedGroup[] = Array.from({ length: 1500 }, (_, i) => ({
      kind: "service",
      name: `g${String(i).padStart(4, "0")}`,
      replicas: 1 + Math.floor(rand() * 6),
      resources: { cpu: [0.25, 0.5, 1, 2][Math.floor(rand() * 4)]!, memory: [0.5, 1, 2][Math.floor(rand() * 3)]! * GiB },
      hostPorts: rand() < 0.1 ? [443] : [],
      constraints: constraintSets[Math.floor(rand() * constraintSets.length)]!,
      ...(rand() < 0.7 ? { spread: "zone" } : {}),
      strategy: rand() < 0.5 ? "binpack" : "spread",
      distinctHosts: rand() < 0.9,
    }));
    const first = placePods({ hosts, groups, current: [], seed: 15 });
    const grown = groups.map((g, i) => (i % 3 === 0 ? { ...g, replicas: g.replicas + 2 } : g));
    const again = placePods({ hosts, groups: grown, current: first.placements.filter((_, i) => i % 5 !== 0), seed: 16 });
    assert.deepEqual([first.placements.length, first.unplaced.length, again.placements.length, again.unplaced.length], [5165, 15, 5711, 270]);
    assert.equal(createHash("sha256").update(JSON.stringify([first, again])).digest("hex"), "d4c6380f12a8552b5d5f8fac07d17ed123acc344c32326c57023aaf4b9fd384c");
  });
});
