/**
 * The resync sweep on fake time: each host looked at once per interval,
 * one request each, spread evenly; only a host that differs from what the
 * last pass saw asks for a pass; a hung host holds up no other (issue 16).
 */
import assert from "node:assert/strict";
import type { DockerHost, ObservedContainer } from "../../../reconciler/docker/types.ts";
import { lookDifference, ResyncSweep, type LastLook } from "../../../reconciler/loop/resync-sweep.ts";
import type { Timers } from "../../../reconciler/loop/timers.ts";
import { FakeTimers } from "../../support/fake-timers.ts";

type Seen = LastLook["containers"][number];
const pod = (p: string, state: ObservedContainer["state"] = "running", health: ObservedContainer["health"] = "healthy"): Seen => ({ kind: "service", pod: p, container: "main", state, health });

interface Engine {
  containers: Seen[];
  down: boolean;
  hang: boolean;
  /** When set, what the next observe answers, when it settles. */
  answer?: Promise<Seen[]>;
  asked: number[];
}

/** Fake time whose timers each fire `lateMs` after they are due, as real ones do by a little. */
class LateTimers extends FakeTimers {
  constructor(private readonly lateMs: number) {
    super();
  }
  override after(ms: number, fn: () => void): () => void {
    return super.after(ms + this.lateMs, fn);
  }
}

/** `clock`: what the sweep reads the time from, when it is not `timers` themselves. */
function setup(names: string[], intervalMs: number, timers: FakeTimers = new FakeTimers(), clock: Timers = timers) {
  const engines = new Map(names.map((n) => [n, { containers: [pod(`${n}-p`)], down: false, hang: false, asked: [] } as Engine]));
  const all = new Map(
    names.map((n) => {
      const e = engines.get(n)!;
      const host = {
        name: n,
        observe: () => {
          e.asked.push(timers.now());
          if (e.hang) return new Promise<never>(() => undefined);
          if (e.answer) return e.answer;
          return e.down ? Promise.reject(new Error("connect ECONNREFUSED")) : Promise.resolve(e.containers.map((c) => ({ ...c })));
        },
      };
      return [n, host as unknown as DockerHost];
    }),
  );
  // Until `connect()`, the sweep knows the hosts from the start (the daemon's first pass connects them).
  let hosts: ReadonlyMap<string, DockerHost> = all;
  let pass = 1;
  let running = false;
  const differs: [string, string][] = [];
  const sweep = new ResyncSweep({
    owner: "o",
    intervalMs,
    timers: clock,
    maxInFlight: 32,
    hosts: () => hosts,
    // What the last pass saw: each host's first pod, running and healthy.
    lastLook: (h) => (running ? undefined : { pass, reachable: true, containers: [pod(`${h}-p`)] }),
    differs: (h, why) => differs.push([h, why]),
  });
  const t0 = timers.now();
  const connect = (known: boolean) => (hosts = known ? all : new Map());
  return { timers, engines, sweep, differs, t0, connect, newPass: () => pass++, setRunning: (r: boolean) => (running = r) };
}

describe("loop: the resync sweep", function () {
  it("looks at each host once per interval, one request each, evenly spread, and asks for no pass when nothing changed", async () => {
    const s = setup(["h1", "h2", "h3", "h4"], 4_000);
    s.sweep.start();
    await s.timers.advance(4_000);
    assert.deepEqual(
      [...s.engines.values()].map((e) => e.asked.map((t) => t - s.t0)),
      [[1_000], [2_000], [3_000], [4_000]],
    );
    await s.timers.advance(4_000);
    assert.deepEqual([...s.engines.values()].map((e) => e.asked.length), [2, 2, 2, 2], "the next interval, once more each");
    assert.deepEqual(s.differs, []);
    s.sweep.stop();
    await s.timers.advance(8_000);
    assert.deepEqual([...s.engines.values()].map((e) => e.asked.length), [2, 2, 2, 2], "nothing after stop");
  });

  it("timers that fire late do not stretch the lap: each turn is due a gap after the last was due", async () => {
    // The bug it guards: each turn was timed from the one before, so lateness added up (at 10,000 hosts, 9,862 looked at in a 600 s lap).
    const names = Array.from({ length: 100 }, (_, i) => `h${String(i).padStart(3, "0")}`);
    const s = setup(names, 10_000, new LateTimers(5));
    s.sweep.start();
    await s.timers.advance(10_005);
    assert.equal([...s.engines.values()].filter((e) => e.asked.length === 1).length, 100, "every host once in one interval (plus one timer's lateness)");
    const at = [...s.engines.values()].map((e) => e.asked[0]! - s.t0);
    assert.deepEqual(at.slice(0, 3), [105, 205, 305], "a gap (100 ms) apart, each 5 ms late, none later than that");
    s.sweep.stop();
  });

  it("a clock set back waits no more than a gap: the next turn comes one gap later, not the clock's step later", async () => {
    const timers = new FakeTimers();
    let skew = 0;
    const stepped: Timers = { now: () => timers.now() + skew, after: (ms, fn) => timers.after(ms, fn) };
    const s = setup(["h1", "h2", "h3", "h4"], 4_000, timers, stepped);
    s.sweep.start();
    await timers.advance(1_500);
    skew = -60_000; // the wall clock goes back a minute between the first turn and the second
    await timers.advance(1_500);
    assert.deepEqual([...s.engines.values()].map((e) => e.asked.length), [1, 1, 1, 0], "the third turn one gap after the second, whatever the clock says");
    s.sweep.stop();
  });

  it("a sweep started before the first pass knew any host begins its lap once they are known, not a whole interval later", async () => {
    // The bug it guards: at 10,000 hosts and --resync 10m, the first look came 600 s after start (one gap of an empty fleet).
    const s = setup(["h1", "h2", "h3", "h4"], 4_000);
    s.connect(false);
    s.sweep.start();
    await s.timers.advance(500);
    s.connect(true);
    s.sweep.hostsChanged();
    await s.timers.advance(1_000);
    assert.deepEqual([...s.engines.values()].map((e) => e.asked.map((t) => t - s.t0)), [[1_500], [], [], []], "one gap (1 s) after the hosts are known");
    await s.timers.advance(3_000);
    assert.deepEqual([...s.engines.values()].map((e) => e.asked.length), [1, 1, 1, 1]);
    s.sweep.stop();
  });

  it("a host whose pod died, or that stopped answering, asks for a pass saying what differs", async () => {
    const s = setup(["h1", "h2", "h3"], 3_000);
    s.engines.get("h2")!.containers = [pod("h2-p", "exited")];
    s.engines.get("h3")!.down = true;
    s.sweep.start();
    await s.timers.advance(3_000);
    assert.deepEqual(s.differs, [
      ["h2", "was h2-p/main running; now h2-p/main exited"],
      ["h3", "it does not answer"],
    ]);
  });

  it("a host that never answers holds up no other", async () => {
    const s = setup(["h1", "h2", "h3"], 3_000);
    s.engines.get("h1")!.hang = true;
    s.engines.get("h2")!.containers = [];
    s.sweep.start();
    await s.timers.advance(3_000);
    assert.deepEqual([...s.engines.values()].map((e) => e.asked.length), [1, 1, 1]);
    assert.deepEqual(s.differs.map(([h]) => h), ["h2"]);
  });

  it("asks nothing while a pass runs, and a look that a pass overtook reports nothing", async () => {
    const s = setup(["h1", "h2"], 2_000);
    s.setRunning(true);
    s.sweep.start();
    await s.timers.advance(2_000);
    assert.deepEqual([...s.engines.values()].map((e) => e.asked.length), [0, 0]);
    s.setRunning(false);
    // h1 answers, with its pod gone, only after a pass has looked at the fleet anew.
    let answer: (c: Seen[]) => void = () => undefined;
    s.engines.get("h1")!.answer = new Promise((r) => (answer = r));
    await s.timers.advance(1_000);
    assert.equal(s.engines.get("h1")!.asked.length, 1);
    s.newPass();
    answer([]);
    await s.timers.advance(0);
    assert.deepEqual(s.differs, [], "the pass saw h1 as it is now; the sweep's older look is not a difference");
  });

  it("a health check still starting is not a change; unhealthy is", () => {
    const before = { reachable: true, containers: [pod("p", "running", "starting")] };
    assert.equal(lookDifference(before, { reachable: true, containers: [pod("p", "running", "healthy")] }), undefined);
    assert.equal(lookDifference(before, { reachable: true, containers: [pod("p", "running", "unhealthy")] }), "was p/main running; now p/main running unhealthy");
    assert.equal(lookDifference({ reachable: false, containers: [] }, { reachable: true, containers: [] }), "it answers again");
    assert.equal(lookDifference({ reachable: false, containers: [] }, { reachable: false, containers: [] }), undefined);
    // Jobs run and end by design: not drift.
    assert.equal(lookDifference({ reachable: true, containers: [] }, { reachable: true, containers: [{ ...pod("j"), kind: "job" }] }), undefined);
  });
});
