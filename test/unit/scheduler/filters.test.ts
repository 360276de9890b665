/**
 * The filter list is the one truth about which hosts can take a pod:
 * placement skips a host for the same filter the unplaced explanation names
 * it by (issue 15: the checks once lived both in filters.ts and inline in
 * place.ts).
 */
import assert from "node:assert/strict";
import { FILTERS, type Filter } from "../../../scheduler/filters.ts";
import { placePods } from "../../../scheduler/place.ts";
import type { SchedGroup, SchedHost } from "../../../scheduler/types.ts";
import { GiB, group, host } from "./mock.ts";

const MiB = 2 ** 20;

/** Per filter: a host that fails only that filter for `pod`, and the reason the explanation must give. */
const cases: { filter: string; name: string; bad: SchedHost; pod: SchedGroup; reason: string }[] = [
  { filter: "state", name: "a down host", bad: host("bad", { state: "down" }), pod: group("web"), reason: "host down" },
  { filter: "state", name: "a drained host", bad: host("bad", { state: "drained" }), pod: group("web"), reason: "host drained" },
  {
    filter: "constraints",
    name: "a host outside the constraint",
    bad: host("bad", { labels: { zone: "b" } }),
    pod: group("web", { constraints: [{ label: "zone", op: "!=", values: ["b"] }] }),
    reason: "constraint zone != b not met",
  },
  { filter: "ports", name: "a host with the port taken", bad: host("bad", { portsInUse: [8080] }), pod: group("web", { hostPorts: [8080] }), reason: "host port 8080 in use" },
  { filter: "cpu", name: "a host short of cpu", bad: host("bad", { capacity: { cpu: 0.5, memory: 8 * GiB } }), pod: group("web"), reason: "cpu exhausted (needs 1, most free 0.5)" },
  {
    filter: "memory",
    name: "a host short of memory",
    bad: host("bad", { capacity: { cpu: 4, memory: 512 * MiB } }),
    pod: group("web"),
    reason: "memory exhausted (needs 1Gi, most free 512Mi)",
  },
];

describe("filters: placement and the explanation read the same list", function () {
  it("every filter in the list has a case here (a filter added without one fails)", function () {
    const covered = new Set([...cases.map((c) => c.filter), "distinct"]);
    assert.deepEqual(
      FILTERS.map((f) => f.name).filter((n) => !covered.has(n)),
      [],
    );
  });

  for (const c of cases) {
    it(`${c.filter}: ${c.name} is skipped by placement and named "${c.reason}"`, function () {
      const placed = placePods({ hosts: [c.bad, host("good")], groups: [c.pod], current: [], seed: 1 });
      assert.deepEqual(placed.placements, [{ group: "web", slot: 0, host: "good" }]);
      const alone = placePods({ hosts: [c.bad], groups: [c.pod], current: [], seed: 1 });
      assert.deepEqual(alone.placements, []);
      assert.deepEqual(alone.unplaced, [{ group: "web", slots: [0], reason: `1 host: ${c.reason}`, byReason: [{ reason: c.reason, hosts: 1 }] }]);
    });

    it(`${c.filter}: a current placement on ${c.name} is not kept`, function () {
      const r = placePods({ hosts: [c.bad, host("good")], groups: [c.pod], current: [{ group: "web", slot: 0, host: "bad" }], seed: 1 });
      assert.deepEqual(r.placements, [{ group: "web", slot: 0, host: "good" }]);
    });
  }

  it('distinct: a host already running a replica is skipped and named "already runs a replica of web"', function () {
    const r = placePods({ hosts: [host("h1")], groups: [group("web", { replicas: 2 })], current: [], seed: 1 });
    assert.deepEqual(r.placements, [{ group: "web", slot: 0, host: "h1" }]);
    assert.deepEqual(r.unplaced, [{ group: "web", slots: [1], reason: "1 host: already runs a replica of web", byReason: [{ reason: "already runs a replica of web", hosts: 1 }] }]);
  });

  it("a host failing several filters is counted under the first in the list", function () {
    // Down, outside the constraint and short of cpu: the state filter comes first.
    const bad = host("bad", { state: "down", labels: { zone: "b" }, capacity: { cpu: 0.5, memory: 8 * GiB } });
    const r = placePods({ hosts: [bad], groups: [group("web", { constraints: [{ label: "zone", op: "==", values: ["a"] }] })], current: [], seed: 1 });
    assert.equal(r.unplaced[0]?.reason, "1 host: host down");
  });

  // A filter added to the list is seen by both, fixed or checked per candidate,
  // in a short list (every host scored) and a long one (a sample is).
  const oddHost = (fixed: boolean): Filter => ({
    name: "state",
    fixed,
    capacity: false,
    passes: (st, _pod, h) => Number(st.hosts[h]!.name.slice(1)) % 2 === 0,
    explain: (_st, _pod, hosts) => [{ reason: "odd host", hosts: hosts.length }],
  });
  for (const fixed of [true, false]) {
    for (const count of [6, 600]) {
      it(`a filter added to the list (${fixed ? "fixed" : "per candidate"}, ${count} hosts) is obeyed by placement and named by the explanation`, function () {
        const hosts = Array.from({ length: count }, (_, i) => host(`h${String(i).padStart(3, "0")}`, { labels: { zone: "ab"[i % 2]! } }));
        const groups = [group("web", { replicas: count / 2 + 1 }), group("api", { replicas: 2, spread: "zone", distinctHosts: false })];
        const r = placePods({ hosts, groups, current: [], seed: 1 }, { filters: [...FILTERS, oddHost(fixed)] });
        const used = r.placements.map((p) => Number(p.host.slice(1)));
        assert.ok(used.length > 0 && used.every((n) => n % 2 === 0), `placed on ${used.join(",")}`);
        const web = r.unplaced.find((u) => u.group === "web");
        assert.ok(web);
        assert.deepEqual(web.slots, [count / 2]);
        assert.deepEqual(web.byReason, [
          { reason: "already runs a replica of web", hosts: count / 2 },
          { reason: "odd host", hosts: count / 2 },
        ]);
      });
    }
  }
});
