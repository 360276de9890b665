/**
 * What a plan may and may not claim: a host it could not observe, hosts
 * that left git, and a commit that would remove every pod.
 */
import assert from "node:assert/strict";
import { diffFleet } from "../../../reconciler/plan/diff.ts";
import type { PlanHost } from "../../../reconciler/plan/types.ts";
import { nextRecord } from "../../../reconciler/record/next-record.ts";
import { input, job, observed, pod, service } from "./mock.ts";

const v1 = pod();
const down = (name: string): PlanHost => ({ name, state: "unreachable", error: `host "${name}" cannot be reached: connect ECONNREFUSED` });
const up = (name: string): PlanHost => ({ name, state: "ready" });
const record = (slots: [string, number, string][], observedHosts: string[], lastSeen: Record<string, string> = {}, darkSince: Record<string, string> = lastSeen) => ({
  slots: slots.map(([group, slot, host]) => ({ group, slot, host })),
  observed: observedHosts,
  jobs: [],
  lastSeen,
  darkSince,
});

describe("plan truth: hosts that were not observed", function () {
  // Guards the bug where every host unreachable printed "In sync: 0 pods unchanged, 2 unplaced. Nothing to do." and exited 0.
  it("a plan that observed no host is incomplete and never in sync", function () {
    const plan = diffFleet(input({ hosts: [down("h1"), down("h2")], placements: [], unplaced: [{ group: "web", slots: [0, 1, 2], reason: "2 hosts: host down" }] }));
    assert.equal(plan.summary.complete, false);
    assert.equal(plan.summary.inSync, false);
    assert.deepEqual(plan.summary.unobserved.map((u) => u.host), ["h1", "h2"]);
    assert.match(plan.summary.unobserved[0]!.reason, /ECONNREFUSED/);
  });

  // Guards the bug where a slot whose pod runs on an unreachable host was planned as a create elsewhere: a second pod for one slot.
  it("a slot last seen on an unobserved host is unknown, not created elsewhere", function () {
    const plan = diffFleet(
      input({
        hosts: [up("h1"), up("h2"), down("h3")],
        placements: [0, 1, 2].map((slot) => ({ group: "web", slot, host: slot === 2 ? "h1" : `h${slot + 1}` })),
        observed: [observed(v1, 0, "h1"), observed(v1, 1, "h2")],
        record: record([["web", 0, "h1"], ["web", 1, "h2"], ["web", 2, "h3"]], ["h1", "h2", "h3"]),
      }),
    );
    const slot2 = plan.services[0]!.changes.find((c) => c.slot === 2)!;
    assert.equal(slot2.action, "unknown");
    assert.equal(slot2.action === "unknown" && slot2.host, "h3");
    assert.match(slot2.action === "unknown" ? slot2.reason : "", /^last seen on h3, which was not observed \(host "h3" cannot be reached: connect ECONNREFUSED\)/);
    assert.equal(plan.summary.create, 0);
    assert.equal(plan.summary.unknown, 1);
    assert.deepEqual(plan.services[0]!.waves.flatMap((w) => w.tracks), [], "nothing is done for an unknown slot");
  });

  it("without a record, a missing slot is unknown while any host is unobserved", function () {
    const plan = diffFleet(input({ hosts: [up("h1"), up("h2"), down("h3")], placements: [0, 1].map((slot) => ({ group: "web", slot, host: `h${slot + 1}` })), observed: [observed(v1, 0, "h1")] }));
    const slot1 = plan.services[0]!.changes.find((c) => c.slot === 1)!;
    assert.equal(slot1.action, "unknown");
    assert.match(slot1.action === "unknown" ? slot1.reason : "", /h3 was not observed, and there is no record of what runs there: it may run there/);
  });

  // Guards the bug where an exited pod in sight was recreated while the slot's live pod ran on a dark host.
  it("a slot whose only pod in sight exited, but that was last seen on a dark host, is unknown, not recreated", function () {
    const plan = diffFleet(
      input({
        hosts: [up("h1"), up("h2"), down("h3")],
        services: [service({ replicas: 1 })],
        placements: [{ group: "web", slot: 0, host: "h1" }],
        observed: [observed(v1, 0, "h1", { state: "exited", exitCode: 1 })],
        record: record([["web", 0, "h3"]], ["h1", "h2", "h3"]),
      }),
    );
    assert.deepEqual(plan.services[0]!.changes.map((c) => [c.slot, c.action]), [[0, "unknown"]]);
  });

  // Guards the bug where every host unreachable showed "3 unplaced: 3 hosts are down" instead of slots that may still run.
  it("with every host dark and no record, slots are unknown, not unplaced", function () {
    const plan = diffFleet(input({ hosts: [down("h1"), down("h2")], placements: [], unplaced: [{ group: "web", slots: [0, 1, 2], reason: "2 hosts: host down" }] }));
    assert.deepEqual(plan.services[0]!.changes.map((c) => c.action), ["unknown", "unknown", "unknown"]);
    assert.equal(plan.refused, undefined);
  });

  /** One replica last seen on h3, dark now, h1 the scheduler's choice; a 5-minute grace. `darkSince` absent: a first pass to find it dark. */
  const h3Dark = (lastSeenAgoMs: number, darkSinceAgoMs?: number) => {
    const now = Date.UTC(2026, 10, 22);
    const ago = (ms: number) => ({ h3: new Date(now - ms).toISOString() });
    return diffFleet(
      input({
        now,
        hosts: [up("h1"), up("h2"), down("h3")],
        services: [service({ replicas: 1 })],
        placements: [{ group: "web", slot: 0, host: "h1" }],
        record: record([["web", 0, "h3"]], ["h1", "h2", "h3"], ago(lastSeenAgoMs), darkSinceAgoMs === undefined ? {} : ago(darkSinceAgoMs)),
        hostLostAfterMs: 5 * 60_000,
      }),
    );
  };

  it("a host dark for longer than hostLostAfter is lost: its slot is started elsewhere, and the plan says why", function () {
    const c = h3Dark(6 * 60_000, 6 * 60_000).services[0]!.changes[0]!;
    assert.equal(c.action, "create");
    assert.equal(c.action === "create" ? c.reason : "", "h3 unreachable for 6m00s (more than hostLostAfter, 5m00s): slot 0 moves to h1; the old pod is removed if h3 returns");
  });

  // Guards the bug where, with every event stream open, polls observed nothing for minutes, so a host found dark
  // had a lastSeen that old and was taken as lost at once: the grace counts from when a pass first found it dark.
  it("a host last seen 6 minutes ago but found dark only a minute ago is not lost yet", function () {
    assert.deepEqual(h3Dark(6 * 60_000, 60_000).services[0]!.changes.map((c) => [c.slot, c.action]), [[0, "unknown"]]);
    // A pass that finds it dark for the first time (not in darkSince yet) does not count it as lost either.
    assert.deepEqual(h3Dark(60 * 60_000).services[0]!.changes.map((c) => [c.slot, c.action]), [[0, "unknown"]]);
  });

  it("with a record, a slot never placed on the dark host is created (a new service is not held up by a dark host)", function () {
    const plan = diffFleet(
      input({
        hosts: [up("h1"), up("h2"), down("h3")],
        services: [service({ replicas: 2 })],
        placements: [0, 1].map((slot) => ({ group: "web", slot, host: `h${slot + 1}` })),
        observed: [],
        record: record([], ["h1", "h2"]),
      }),
    );
    assert.deepEqual(plan.services[0]!.changes.map((c) => [c.slot, c.action]), [[0, "create"], [1, "create"]]);
  });

  // Guards the bug where one engine known under two names (the default host, then a Host document for the same socket) had its kept pod removed as a duplicate of itself.
  it("the same pod seen under two host names is not removed as a duplicate", function () {
    const c = observed(v1, 0, "h1");
    const plan = diffFleet(
      input({
        services: [service({ replicas: 1 })],
        hosts: [up("h1"), { name: "local", state: "ready", leftGit: true }],
        placements: [{ group: "web", slot: 0, host: "h1" }],
        observed: [c, { ...c, host: "local" }],
      }),
    );
    assert.deepEqual(plan.services[0]!.changes.map((x) => x.action), ["keep"]);
  });

  it("with a record that saw the dark host, a slot never placed there is created", function () {
    const plan = diffFleet(
      input({
        hosts: [up("h1"), up("h2"), down("h3")],
        services: [service({ replicas: 2 })],
        placements: [0, 1].map((slot) => ({ group: "web", slot, host: `h${slot + 1}` })),
        observed: [observed(v1, 0, "h1")],
        record: record([["web", 0, "h1"]], ["h1", "h2", "h3"]),
      }),
    );
    assert.deepEqual(plan.services[0]!.changes.map((c) => [c.slot, c.action]), [[0, "keep"], [1, "create"]]);
    assert.equal(plan.summary.complete, false, "still incomplete: h3 was not observed");
  });
});

describe("plan truth: hosts that left git", function () {
  // Guards the bug where a Host removed from git left its pods running and no plan mentioned them.
  it("pods on a host that left git are moved off it, with that reason", function () {
    const plan = diffFleet(
      input({
        services: [service({ replicas: 2 })],
        hosts: [up("h1"), up("h2"), { name: "h3", state: "ready", leftGit: true }],
        placements: [0, 1].map((slot) => ({ group: "web", slot, host: `h${slot + 1}` })),
        observed: [observed(v1, 0, "h1"), observed(v1, 1, "h3")],
      }),
    );
    const slot1 = plan.services[0]!.changes.find((c) => c.slot === 1)!;
    assert.equal(slot1.action, "replace");
    assert.deepEqual(slot1.action === "replace" && slot1.reasons, ["moved from h3 to h2: h3 is no longer a host in git"]);
    assert.equal(plan.summary.complete, true);
  });

  it("a service's pods on a host that left git, beyond the replicas, are removed", function () {
    const plan = diffFleet(
      input({
        services: [service({ replicas: 1 })],
        hosts: [up("h1"), { name: "h3", state: "ready", leftGit: true }],
        placements: [{ group: "web", slot: 0, host: "h1" }],
        observed: [observed(v1, 0, "h1"), observed(v1, 1, "h3")],
      }),
    );
    assert.deepEqual(plan.services[0]!.changes.map((c) => [c.slot, c.action, "host" in c ? c.host : ""]), [[0, "keep", "h1"], [1, "remove", "h3"]]);
  });

  // Guards the bug where a plan with pods left on an unreachable host that left git printed "In sync" and exited 0.
  it("a host that left git and cannot be reached is a warning, not a blind spot, and the plan is not in sync", function () {
    const plan = diffFleet(
      input({
        hosts: [up("h1"), up("h2"), { ...down("h3"), leftGit: true }],
        services: [service({ replicas: 2 })],
        placements: [0, 1].map((slot) => ({ group: "web", slot, host: `h${slot + 1}` })),
        observed: [observed(v1, 0, "h1")],
        record: record([["web", 0, "h1"], ["web", 1, "h3"]], ["h1", "h2", "h3"]),
      }),
    );
    assert.deepEqual(plan.services[0]!.changes.map((c) => [c.slot, c.action]), [[0, "keep"], [1, "create"]]);
    assert.deepEqual(plan.warnings, ['pods may remain on h3 (unreachable): it is no longer in git, and berth removes them once it answers (host "h3" cannot be reached: connect ECONNREFUSED)']);
    assert.equal(plan.summary.complete, true);
    const otherwiseInSync = diffFleet(
      input({ hosts: [up("h1"), { ...down("h3"), leftGit: true }], services: [service({ replicas: 1 })], placements: [{ group: "web", slot: 0, host: "h1" }], observed: [observed(v1, 0, "h1")] }),
    );
    assert.equal(otherwiseInSync.summary.inSync, false, "pods may remain on h3: not in sync");
  });
});

describe("plan truth: no accidental wipe", function () {
  const running = [observed(v1, 0, "h1"), observed(v1, 1, "h2"), observed(v1, 2, "h3")];
  // Guards the bug where a commit that removed every Service was planned and applied as a full prune and reported converged.
  it("a commit that removes every pod is refused", function () {
    const plan = diffFleet(input({ services: [], placements: [], observed: running }));
    assert.equal(plan.refused?.code, "empty-fleet");
    assert.match(plan.refused?.message ?? "", /would remove every pod berth runs for test-owner \(3 pods of 1 service: web\) and leave none; if that is intended, set `allowEmpty: true` in the repository's Policy/);
    assert.equal(plan.summary.inSync, false);
  });

  it("allowEmpty lets it through", function () {
    const plan = diffFleet(input({ services: [], placements: [], observed: running, allowEmpty: true }));
    assert.equal(plan.refused, undefined);
    assert.equal(plan.summary.remove, 3);
  });

  it("removing one of two services is not a wipe", function () {
    const api = pod({ name: "api", specHash: "hash-api" });
    const plan = diffFleet(input({ placements: [0, 1, 2].map((slot) => ({ group: "web", slot, host: `h${slot + 1}` })), observed: [...running, observed(api, 0, "h1")] }));
    assert.equal(plan.refused, undefined);
    assert.equal(plan.summary.remove, 1);
  });

  it("deleting every service while a job stays in git is not a wipe; deleting the last job too is", function () {
    const kept = diffFleet(input({ services: [], placements: [], observed: running, jobs: [job()] }));
    assert.equal(kept.refused, undefined);
    const gone = diffFleet(input({ services: [], placements: [], observed: [], jobs: [], record: { slots: [], observed: [], jobs: [job()] } }));
    assert.match(gone.refused?.message ?? "", /\(1 job: backup\)/);
  });

  it("an empty commit on an empty fleet is nothing to refuse", function () {
    const plan = diffFleet(input({ services: [], placements: [], observed: [] }));
    assert.equal(plan.refused, undefined);
    assert.equal(plan.summary.inSync, true);
  });
});

describe("the deployment record", function () {
  it("remembers when each host was last seen, and keeps that time while it is dark", function () {
    const hostSpec2 = (name: string) => ({ name, endpoint: `tcp://${name}:2375`, insecure: true, labels: {}, drain: false, source: { file: "hosts.yaml", line: 1 } });
    const first = nextRecord({ owner: "o", now: 1000, fleet: { hosts: [hostSpec2("h1"), hostSpec2("h2")], jobs: [] }, commit: "c1", applied: true, hosts: [up("h1"), up("h2")], observed: [] });
    const later = nextRecord({ owner: "o", now: 9000, fleet: { hosts: [hostSpec2("h1"), hostSpec2("h2")], jobs: [] }, commit: "c1", applied: true, hosts: [up("h1"), down("h2")], observed: [], previous: first });
    assert.deepEqual(later.lastSeen, { h1: new Date(9000).toISOString(), h2: new Date(1000).toISOString() });
  });

  it("remembers when a pass first found a host dark, keeps it while the host stays dark, and forgets it once the host answers", function () {
    const spec = (name: string) => ({ name, endpoint: `tcp://${name}:2375`, insecure: true, labels: {}, drain: false, source: { file: "hosts.yaml", line: 1 } });
    const fleet = { hosts: [spec("h1"), spec("h2")], jobs: [] };
    const at = (now: number, h2: PlanHost, previous?: ReturnType<typeof nextRecord>) => nextRecord({ owner: "o", now, fleet, commit: "c1", applied: true, hosts: [up("h1"), h2], observed: [], ...(previous ? { previous } : {}) });
    const seen = at(1000, up("h2"));
    assert.equal(seen.darkSince, undefined);
    const dark = at(9000, down("h2"), seen);
    assert.deepEqual(dark.darkSince, { h2: new Date(9000).toISOString() });
    const stillDark = at(20_000, down("h2"), dark);
    assert.deepEqual(stillDark.darkSince, { h2: new Date(9000).toISOString() }, "the first time it was found dark stays");
    assert.equal(stillDark.lastSeen?.["h2"], new Date(1000).toISOString());
    const back = at(30_000, up("h2"), stillDark);
    assert.equal(back.darkSince, undefined);
  });

  const hostSpec = (name: string) => ({ name, endpoint: `tcp://${name}:2375`, insecure: true, labels: {}, drain: false, source: { file: "hosts.yaml", line: 1 } });
  it("keeps what it knew of a host it could not observe, and forgets a host that left git once it is seen empty", function () {
    const previous = nextRecord({
      owner: "o",
      now: 0,
      fleet: { hosts: ["h1", "h2", "h3"].map(hostSpec), jobs: [] },
      commit: "c1",
      applied: true,
      hosts: ["h1", "h2", "h3"].map(up),
      observed: [observed(v1, 0, "h1"), observed(v1, 1, "h2"), observed(v1, 2, "h3")],
    });
    assert.deepEqual(previous.observed, ["h1", "h2", "h3"]);
    // h2 dark; h3 left git and was seen with a pod.
    const dark = nextRecord({ owner: "o", now: 1, fleet: { hosts: ["h1", "h2"].map(hostSpec), jobs: [] }, commit: "c2", applied: false, hosts: [up("h1"), down("h2"), { ...up("h3"), leftGit: true }], observed: [observed(v1, 0, "h1"), observed(v1, 2, "h3")], previous });
    assert.deepEqual(dark.slots.map((s) => [s.slot, s.host]), [[0, "h1"], [1, "h2"], [2, "h3"]]);
    assert.deepEqual(dark.hosts.map((h) => h.name), ["h1", "h2", "h3"], "h3 left git but still has a pod: its endpoint is kept");
    assert.equal(dark.commit, "c1", "not applied: the commit stays the last applied one");
    const emptied = nextRecord({ owner: "o", now: 2, fleet: { hosts: ["h1", "h2"].map(hostSpec), jobs: [] }, commit: "c2", applied: true, hosts: [up("h1"), up("h2"), { ...up("h3"), leftGit: true }], observed: [observed(v1, 0, "h1"), observed(v1, 2, "h2")], previous: dark });
    assert.deepEqual(emptied.hosts.map((h) => h.name), ["h1", "h2"], "h3 was seen empty: forgotten");
    assert.deepEqual(emptied.observed, ["h1", "h2"]);
    assert.equal(emptied.commit, "c2");
  });

  for (const order of [["h1", "h2"], ["h2", "h1"]]) {
    it(`of two running pods in one slot, keeps the slot where it last put it (observed ${order.join(", ")}; issue 16)`, function () {
      const fleet = { hosts: ["h1", "h2"].map(hostSpec), jobs: [] };
      const moved = nextRecord({ owner: "o", now: 0, fleet, commit: "c1", applied: true, hosts: [down("h1"), up("h2")], observed: [observed(v1, 0, "h2")] });
      const back = nextRecord({ owner: "o", now: 1, fleet, commit: "c1", applied: true, hosts: ["h1", "h2"].map(up), observed: order.map((h) => observed(v1, 0, h)), previous: moved });
      assert.deepEqual(back.slots.map((x) => [x.slot, x.host]), [[0, "h2"]], "h1 came back with the old pod; the slot stays on h2, where it was moved");
    });
  }
});
