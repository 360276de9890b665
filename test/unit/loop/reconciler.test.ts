/**
 * The reconcile loop against a scripted git source and recording fake hosts:
 * passes never overlap and a commit seen during a rollout is applied right
 * after it; a rolled-back commit is held until a newer one; an invalid
 * commit leaves the fleet alone; a remote that is down at start falls back
 * to the cached commit. (End to end on real engines: test/integration/daemon.)
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import type { DockerHost, PodLaunch } from "../../../reconciler/docker/types.ts";
import { createMetrics } from "../../../reconciler/loop/metrics.ts";
import { readJournal } from "../../../reconciler/record/journal-file.ts";
import { Reconciler } from "../../../reconciler/loop/reconciler.ts";
import { RemoteUnreachableError } from "../../../reconciler/source/errors.ts";
import type { CommitSnapshot, GitSource, ResolvedRef } from "../../../reconciler/source/types.ts";
import { FakeFleet, fakeClock } from "../../support/fake-host.ts";
import { TEST_OPERATOR } from "../../support/operator.ts";
import { fileStateStore } from "../../../reconciler/record/state-store.ts";
import type { LeaderState, Leadership } from "../../../reconciler/lease/leadership.ts";
import { LeaseLostError } from "../../../reconciler/lease/lease-lost-error.ts";
import { Autoscaler } from "../../../reconciler/autoscale/autoscaler.ts";

const HOSTS = ["h1", "h2", "h3"].map((h) => `apiVersion: berth/v1\nkind: Host\nmetadata:\n  name: ${h}\nspec:\n  endpoint: unix:///fake/${h}.sock\n`).join("---\n");
const web = (image: string) => `apiVersion: berth/v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  image: ${image}\n  replicas: 3\n`;

/** A git source whose branch the test moves, and whose remote it can take down. */
class ScriptedSource implements GitSource {
  readonly identity = "fake://fleet";
  private readonly commits = new Map<string, CommitSnapshot>();
  private head: string | undefined;
  private cached: string | undefined;
  down = false;
  /** Called as a commit is checked out: a test acts between a pass's first step and its apply. */
  onCheckout: ((commit: string) => void) | undefined;

  push(files: Record<string, string>, message: string): string {
    const sha = (this.commits.size + 1).toString(16).padStart(40, "0");
    this.commits.set(sha, { commit: { sha, author: "Test <t@example.invalid>", message, time: Date.UTC(2026, 10, 23) }, files: Object.entries(files).map(([p, content]) => ({ path: p, content })) });
    this.head = sha;
    return sha;
  }
  async resolve(): Promise<ResolvedRef> {
    if (this.down || !this.head) throw new RemoteUnreachableError({ url: this.identity, cause: "connect ECONNREFUSED" });
    return { commit: this.head, ref: "refs/heads/main" };
  }
  async checkout(commit: string): Promise<CommitSnapshot> {
    if (this.down && commit !== this.cached) throw new RemoteUnreachableError({ url: this.identity, cause: "connect ECONNREFUSED" });
    this.cached = commit;
    this.onCheckout?.(commit);
    return this.commits.get(commit)!;
  }
  async lastGood(): Promise<ResolvedRef | undefined> {
    return this.cached ? { commit: this.cached, ref: "refs/heads/main" } : undefined;
  }
}

/** Holds every launch until the test lets go, to look at the loop mid-rollout. */
class Gate {
  held = 0;
  private waiting: (() => void)[] = [];
  private open = true;
  close(): void {
    this.open = false;
  }
  release(): void {
    this.open = true;
    for (const w of this.waiting.splice(0)) w();
  }
  async pass(): Promise<void> {
    if (this.open) return;
    this.held++;
    await new Promise<void>((r) => this.waiting.push(r));
  }
}

/** A reconciler on fake hosts; `restart` gives a new one (a new process) on the same engines, source and state folder. */
function harness(shared?: { fleet: FakeFleet; source: ScriptedSource; stateDir: string }, leadership?: Leadership, eventsLive?: () => boolean) {
  const fleet = shared?.fleet ?? new FakeFleet();
  const source = shared?.source ?? new ScriptedSource();
  const gate = new Gate();
  const stateDir = shared?.stateDir ?? mkdtempSync(path.join(os.tmpdir(), "berth-reconciler-"));
  let skipped = 0;
  let applying = 0;
  let maxApplying = 0;
  let ids = 0;
  /** Engine requests of observations: observe, capacity and ports, per host. */
  const observed = { calls: 0 };
  const metrics = createMetrics();
  const gated = (h: DockerHost): DockerHost =>
    Object.assign(Object.create(h) as DockerHost, {
      observe: (owner: string) => (observed.calls++, h.observe(owner)),
      capacity: () => (observed.calls++, h.capacity()),
      portsInUse: (owner: string) => (observed.calls++, h.portsInUse(owner)),
      launchPod: async (l: PodLaunch) => {
        await gate.pass();
        return h.launchPod(l);
      },
    });
  const reconciler = new Reconciler({
    source,
    owner: "test",
    store: fileStateStore(stateDir, "test"),
    ...(leadership ? { leadership } : {}),
    ...(eventsLive ? { eventsLive } : {}),
    log: pino({ level: "silent" }),
    metrics,
    // Real time, which a test may move forward (skip) to get past a backoff without sleeping.
    now: () => Date.now() + skipped,
    seed: 1,
    operator: TEST_OPERATOR,
    connect: (specs, left) => ({ specs: [...specs, ...left], departed: new Set(left.map((h) => h.name)), hosts: new Map([...specs, ...left].map((s) => [s.name, gated(fleet.host(s.name))])), refused: new Map() }),
    applyDeps: (hosts, onEvent) => {
      // Counts applies in flight: one starts with its first event and ends with "done" or a failure of the service.
      return {
        hosts,
        clock: fakeClock(),
        prober: { http: async () => true, tcp: async () => true },
        newPodId: () => `pod${ids++}`,
        secrets: () => ({}),
        onEvent: (e) => {
          if (e.phase === "pull" && e.host === "h1") maxApplying = Math.max(maxApplying, ++applying);
          if (e.phase === "done" || e.phase === "rollback") applying--;
          onEvent(e);
        },
      };
    },
  });
  const images = () => [...fleet.pods.values()].filter((p) => p.state === "running").map((p) => p.image).sort();
  metrics.followStatus(() => reconciler.status());
  return { fleet, source, gate, reconciler, metrics, images, stateDir, observed, skip: (ms: number) => (skipped += ms), maxApplying: () => maxApplying, cleanup: () => rmSync(stateDir, { recursive: true, force: true }) };
}

async function until<T>(what: string, f: () => T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("Reconciler (the loop, on fake hosts)", function () {
  let h: ReturnType<typeof harness>;
  beforeEach(() => (h = harness()));
  afterEach(() => h.cleanup());

  it("converges a first commit and reports it applied", async function () {
    const sha = h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
    await h.reconciler.trigger("start");
    assert.deepEqual(h.images(), ["app:v1", "app:v1", "app:v1"]);
    const s = h.reconciler.status();
    assert.equal(s.source.commitApplied, sha);
    assert.deepEqual(s.services.map((x) => [x.name, x.ready, x.health, x.lastResult]), [["web", 3, "healthy", "converged"]]);
  });

  it("a commit seen during a rollout is applied right after it; two applies never run at once", async function () {
    h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
    await h.reconciler.trigger("start");
    h.gate.close();
    const v2 = h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v2") }, "web v2");
    const first = h.reconciler.trigger("poll");
    await until("the v2 rollout to be under way", () => (h.gate.held > 0 ? true : undefined));
    const v3 = h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v3") }, "web v3");
    const second = h.reconciler.trigger("webhook");
    const third = h.reconciler.trigger("poll");
    assert.equal(h.gate.held, 1, "no second apply started while the first one runs");
    assert.equal(h.reconciler.status().source.commitApplied === v2, false);
    h.gate.release();
    await Promise.all([first, second, third]);
    assert.equal(h.maxApplying(), 1);
    assert.equal(h.reconciler.status().source.commitApplied, v3);
    assert.deepEqual(h.images(), ["app:v3", "app:v3", "app:v3"]);
    assert.notEqual(v2, v3);
  });

  it("stopped mid-rollout: the step under way finishes, the commit is neither applied nor held, and the next start finishes it", async function () {
    const v1 = h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
    await h.reconciler.trigger("start");
    h.gate.close();
    const v2 = h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v2") }, "web v2");
    const pass = h.reconciler.trigger("poll");
    await until("the first v2 launch", () => (h.gate.held > 0 ? true : undefined));
    const stopped = h.reconciler.stop();
    h.gate.release();
    await Promise.all([pass, stopped]);
    const s = h.reconciler.status();
    assert.equal(s.source.commitApplied, v1);
    assert.deepEqual(s.held, []);
    assert.deepEqual(h.images(), ["app:v1", "app:v1", "app:v2"]);
    assert.equal(s.services[0]!.lastResult, "interrupted");
    assert.equal(h.gate.held, 1, "no launch after the stop");
    assert.notEqual(v1, v2);
  });

  // Guards the bug where held and last-good commits lived only in the process: after a restart the held commit was rolled out again.
  it("a restart neither retries a held commit nor forgets the last good one", async function () {
    const v1 = h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
    await h.reconciler.trigger("start");
    h.fleet.brokenImages.add("app:broken");
    const bad = h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:broken") }, "web broken");
    await h.reconciler.trigger("poll");
    await h.reconciler.stop();
    const launches = h.fleet.calls.filter((c) => c.includes(" launch ")).length;

    const again = harness({ fleet: h.fleet, source: h.source, stateDir: h.stateDir });
    await again.reconciler.trigger("start");
    assert.equal(h.fleet.calls.filter((c) => c.includes(" launch ")).length, launches, "no new pod of the held commit");
    const s = again.reconciler.status();
    assert.deepEqual(s.held.map((x) => x.commit), [bad]);
    assert.equal(s.source.commitApplied, v1, "the last good commit is known again");
    // The last good commit is kept, healed included: a pod removed behind berth's back comes back as v1.
    h.fleet.pods.delete([...h.fleet.pods.values()][0]!.pod);
    await again.reconciler.trigger("event");
    assert.deepEqual(again.images(), ["app:v1", "app:v1", "app:v1"]);
    await again.reconciler.stop();
  });

  it("a host dark past hostLostAfter (default 5 min): its slot stays unknown until then, then moves to a host that answers (issue 16)", async function () {
    // Two replicas on three hosts: at most one a host, so the lost slot has somewhere to go.
    h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1").replace("replicas: 3", "replicas: 2") }, "web v1");
    await h.reconciler.trigger("start");
    await h.reconciler.trigger("poll");
    const before = [...h.fleet.pods.values()].filter((p) => p.state === "running");
    assert.equal(before.length, 2);
    const victim = before[0]!;
    const spare = ["h1", "h2", "h3"].find((n) => !before.some((p) => p.host === n))!;
    h.fleet.down.add(victim.host);
    const dark = await h.reconciler.trigger("retry");
    assert.equal([...h.fleet.pods.values()].filter((p) => p.state === "running").length, 2, `nothing started while ${victim.host} is only dark`);
    assert.equal(h.reconciler.status().lastPass?.result, "waiting");
    // The loop looks again by itself no later than the grace's end.
    assert.ok(dark.lookAgainMs !== undefined && dark.lookAgainMs <= 5 * 60_000 + 1_000, String(dark.lookAgainMs));
    h.skip(5 * 60_000 + 1_000);
    const lost = await h.reconciler.trigger("retry");
    const moved = [...h.fleet.pods.values()].filter((p) => p.state === "running" && p.host === spare && p.slot === victim.slot);
    assert.equal(moved.length, 1, `slot ${victim.slot} started on ${spare}: ${[...h.fleet.pods.values()].map((p) => `${p.host}/${p.slot}/${p.state}`).join(" ")}`);
    assert.ok(lost.lookAgainMs !== undefined, `${victim.host} is still looked for: its pod is removed when it answers`);
    h.fleet.down.delete(victim.host);
    h.skip(lost.lookAgainMs);
    await h.reconciler.trigger("retry");
    assert.equal(h.fleet.pods.get(victim.pod)?.state === "running", false, `the pod left on ${victim.host} is stopped or removed once it answers`);
    assert.equal([...h.fleet.pods.values()].filter((p) => p.state === "running").length, 2);
  });

  describe("faults that are not the commit's: waiting, not held, looked at again (issue 11)", function () {
    const journal = () => readJournal(h.stateDir, "test");

    it("a host lost mid-rollout: the others converge, the commit is not held, and the pass asks to look again; the host answering converges it", async function () {
      h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
      await h.reconciler.trigger("start");
      const v2 = h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v2") }, "web v2");
      h.fleet.onCall = (c) => {
        // Slots 0 and 1 (on h3 and h1) go first; h2's slot 2 is still to come.
        if (c === "h1 launch web/1 app:v2") h.fleet.down.add("h2");
      };
      const first = await h.reconciler.trigger("poll");
      const s = h.reconciler.status();
      assert.deepEqual(s.held, []);
      assert.equal(s.lastPass?.result, "waiting");
      assert.equal(s.source.commitConverging, v2, "the commit is not at fault: it is the one berth converges to");
      assert.equal(s.source.commitApplied, undefined, "but not every host runs it");
      assert.equal(first.lookAgainMs, 2_000);
      assert.deepEqual(h.images(), ["app:v1", "app:v2", "app:v2"], "h3 and h1 on v2; h2 could not be touched");
      const last = journal().at(-1)!;
      assert.deepEqual([last.result, last.services[0]?.result, last.services[0]?.code], ["waiting", "waiting", "host-unreachable"]);
      assert.deepEqual(s.services[0]?.error, { code: "host-unreachable", reaction: "retry" }, "status says why, as data");

      // Still down: the next look comes when the host's own backoff lets it be observed again (1 s after its first failure), not on a second backoff of the loop's.
      const second = await h.reconciler.trigger("retry");
      assert.ok(second.lookAgainMs! > 900 && second.lookAgainMs! <= 1_100, String(second.lookAgainMs));
      assert.equal(h.reconciler.status().lastPass?.result, "waiting", "not in sync while h2 is not observed");
      h.fleet.down.delete("h2");
      h.skip(second.lookAgainMs!);
      const third = await h.reconciler.trigger("retry");
      assert.deepEqual(h.images(), ["app:v2", "app:v2", "app:v2"]);
      assert.equal(third.lookAgainMs, undefined, "nothing left to wait for");
      assert.equal(h.reconciler.status().lastPass?.result, "converged");
      assert.equal(h.reconciler.status().source.commitApplied, v2);
    });

    it("a registry outage: nothing changes, nothing is held, polls leave it alone until the backoff, and it converges once the registry answers", async function () {
      h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
      await h.reconciler.trigger("start");
      h.fleet.registryDown = true;
      h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v2") }, "web v2");
      const out = await h.reconciler.trigger("poll");
      assert.equal(out.lookAgainMs, 2_000);
      assert.deepEqual(h.reconciler.status().held, []);
      assert.deepEqual(h.images(), ["app:v1", "app:v1", "app:v1"]);
      assert.ok(!h.fleet.calls.some((c) => c.includes(" launch ") && c.includes("app:v2")), "no v2 pod was created");
      const pulls = h.fleet.calls.filter((c) => c.includes(" pull ")).length;
      await h.reconciler.trigger("poll");
      assert.equal(h.fleet.calls.filter((c) => c.includes(" pull ")).length, pulls, "a poll within the backoff tries nothing");
      assert.equal(journal().at(-1)?.services[0]?.code, "registry-unavailable");
      h.fleet.registryDown = false;
      await h.reconciler.trigger("retry");
      assert.deepEqual(h.images(), ["app:v2", "app:v2", "app:v2"]);
    });

    it("a tag that does not exist is the commit's fault: held, naming the image, and nothing changed", async function () {
      const v1 = h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
      await h.reconciler.trigger("start");
      h.fleet.unpullable.add("app:nope");
      const bad = h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:nope") }, "web nope");
      const out = await h.reconciler.trigger("poll");
      const s = h.reconciler.status();
      assert.deepEqual(s.held.map((x) => x.commit), [bad]);
      assert.match(s.held[0]!.reason, /^web: image app:nope does not exist/);
      assert.equal(s.source.commitApplied, v1);
      assert.equal(out.lookAgainMs, undefined, "a held commit is not looked at again");
      assert.deepEqual(h.images(), ["app:v1", "app:v1", "app:v1"]);
      assert.equal(journal().at(-1)?.services[0]?.code, "image-not-found");
    });
  });

  it("a rolled-back commit is held: later passes leave it alone until a newer commit arrives", async function () {
    const v1 = h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
    await h.reconciler.trigger("start");
    h.fleet.brokenImages.add("app:broken");
    const bad = h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:broken") }, "web broken");
    await h.reconciler.trigger("poll");
    let s = h.reconciler.status();
    assert.deepEqual(s.held.map((x) => x.commit), [bad]);
    assert.match(s.held[0]!.reason, /^web: /);
    assert.equal(s.source.commitApplied, v1);
    assert.deepEqual(h.images(), ["app:v1", "app:v1", "app:v1"]);

    const launches = h.fleet.calls.filter((c) => c.includes(" launch ")).length;
    await h.reconciler.trigger("poll");
    await h.reconciler.trigger("resync");
    assert.equal(h.fleet.calls.filter((c) => c.includes(" launch ")).length, launches, "the held commit is not tried again");

    const fixed = h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v2") }, "web v2");
    await h.reconciler.trigger("poll");
    s = h.reconciler.status();
    assert.equal(s.source.commitApplied, fixed);
    assert.deepEqual(h.images(), ["app:v2", "app:v2", "app:v2"]);
  });

  it("an invalid commit leaves the fleet at the last good one and shows file:line diagnostics", async function () {
    const v1 = h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
    await h.reconciler.trigger("start");
    const calls = h.fleet.calls.length;
    const bad = h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v2").replace("replicas: 3", "replicas: [3") }, "broken yaml");
    await h.reconciler.trigger("poll");
    const s = h.reconciler.status();
    assert.equal(s.source.commitSeen, bad);
    assert.equal(s.source.commitApplied, v1);
    assert.match(s.diagnostics[0]!, /^web\.yaml:\d+:\d+: error: /);
    assert.ok(h.fleet.calls.slice(calls).every((c) => !c.includes(" launch ") && !c.includes(" stop ")), h.fleet.calls.slice(calls).join("\n"));
  });

  it("started while the remote is down: converges to the commit it fetched before, and says the remote is down", async function () {
    const v1 = h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
    await h.source.checkout(v1);
    h.source.down = true;
    await h.reconciler.trigger("start");
    const s = h.reconciler.status();
    assert.equal(s.source.commitApplied, v1);
    assert.match(s.source.error ?? "", /cannot reach git remote fake:\/\/fleet: connect ECONNREFUSED/);
    assert.deepEqual(h.images(), ["app:v1", "app:v1", "app:v1"]);
  });

  it("knows the pods it stopped or removed itself, so their engine events are not taken for drift", async function () {
    h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
    await h.reconciler.trigger("start");
    const v1Pods = [...h.fleet.pods.keys()];
    h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v2") }, "web v2");
    await h.reconciler.trigger("poll");
    assert.ok(v1Pods.every((p) => h.reconciler.isOwnChange(p)), "the replaced v1 pods");
    assert.ok([...h.fleet.pods.keys()].every((p) => !h.reconciler.isOwnChange(p)), "the running v2 pods are not");
  });

  describe("an idle poll (issue 16)", function () {
    let live: boolean;
    beforeEach(() => {
      h.cleanup();
      live = true;
      h = harness(undefined, undefined, () => live);
    });

    it("asks no engine anything once the fleet is in sync and every event stream is open", async function () {
      h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
      await h.reconciler.trigger("start");
      // The apply's own pass ends converged; the next one looks once and finds the fleet in sync.
      await h.reconciler.trigger("poll");
      const calls = h.observed.calls;
      const fleetCalls = h.fleet.calls.length;
      for (let i = 0; i < 5; i++) await h.reconciler.trigger("poll");
      assert.equal(h.observed.calls, calls, "no observation in 5 quiet polls");
      assert.equal(h.fleet.calls.length, fleetCalls);
      assert.equal(h.reconciler.status().lastPass?.quietPolls, 5);
      assert.equal(h.reconciler.status().lastPass?.result, "in-sync");
    });

    it("observes again when a stream is down, on a new commit, on a resync and on an event", async function () {
      h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
      await h.reconciler.trigger("start");
      await h.reconciler.trigger("poll");
      let calls = h.observed.calls;
      const looked = () => {
        const more = h.observed.calls > calls;
        calls = h.observed.calls;
        return more;
      };
      live = false;
      await h.reconciler.trigger("poll");
      assert.ok(looked(), "a stream that is down may have missed a change: the poll observes");
      live = true;
      await h.reconciler.trigger("resync");
      assert.ok(looked(), "a resync always observes");
      await h.reconciler.trigger("event");
      assert.ok(looked(), "an event observes");
      h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v2") }, "web v2");
      await h.reconciler.trigger("poll");
      assert.ok(looked(), "a new commit observes");
      assert.deepEqual(h.images(), ["app:v2", "app:v2", "app:v2"]);
    });

    // Guards the bug where quiet polls left lastSeen minutes old, so a host found dark 4 minutes into them was
    // taken as lost after only one more minute of the 5-minute grace.
    it("a host that goes dark after minutes of quiet polls gets the whole grace, counted from when a pass found it dark", async function () {
      h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1").replace("replicas: 3", "replicas: 2") }, "web v1");
      await h.reconciler.trigger("start");
      await h.reconciler.trigger("poll");
      for (let i = 0; i < 4; i++) {
        h.skip(60_000);
        await h.reconciler.trigger("poll");
      }
      assert.equal(h.reconciler.status().lastPass?.quietPolls, 4);
      const running = () => [...h.fleet.pods.values()].filter((p) => p.state === "running");
      const victim = running()[0]!;
      const spare = ["h1", "h2", "h3"].find((n) => !running().some((p) => p.host === n))!;
      h.fleet.down.add(victim.host);
      live = false;
      await h.reconciler.trigger("poll");
      assert.equal(h.reconciler.status().lastPass?.result, "waiting");
      h.skip(2 * 60_000);
      await h.reconciler.trigger("retry");
      assert.deepEqual(running().filter((p) => p.host === spare), [], `6 minutes after ${victim.host} was last seen, but 2 after it was found dark, nothing moved`);
      h.skip(3 * 60_000 + 1_000);
      await h.reconciler.trigger("retry");
      assert.equal(running().filter((p) => p.host === spare && p.slot === victim.slot).length, 1, `slot ${victim.slot} moved to ${spare} once the grace had passed`);
    });
  });

  it("heals a pod that died, between commits", async function () {
    h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
    await h.reconciler.trigger("start");
    const victim = [...h.fleet.pods.values()][0]!;
    victim.state = "exited";
    await h.reconciler.trigger("event");
    assert.deepEqual(h.images(), ["app:v1", "app:v1", "app:v1"]);
    assert.equal(h.fleet.pods.has(victim.pod), false, "the dead pod was replaced, not kept");
  });

  it("a pod that dies again at once is backed off, and status says so", async function () {
    h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
    await h.reconciler.trigger("start");
    const slot0 = () => [...h.fleet.pods.values()].find((p) => p.slot === 0 && p.state === "running")!;
    slot0().state = "exited";
    await h.reconciler.trigger("event");
    slot0().state = "exited";
    const launches = h.fleet.calls.filter((c) => c.includes(" launch ")).length;
    await h.reconciler.trigger("event");
    assert.equal(h.fleet.calls.filter((c) => c.includes(" launch ")).length, launches, "not recreated again at once");
    const [w] = h.reconciler.status().services;
    assert.deepEqual(w!.backoff?.map((b) => [b.slot, b.failures]), [[0, 1]]);
    assert.ok(w!.backoff![0]!.retryInMs > 0 && w!.backoff![0]!.retryInMs <= 2000);
    assert.equal(w!.ready, 2);
    await h.reconciler.stop();
  });

  // Guards the bug where a commit that removed every Service was applied as a full prune and reported converged.
  it("holds a commit that would remove every pod, changes nothing, and says why", async function () {
    h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
    await h.reconciler.trigger("start");
    const empty = h.source.push({ "hosts.yaml": HOSTS }, "oops: every service deleted");
    await h.reconciler.trigger("poll");
    assert.deepEqual(h.images(), ["app:v1", "app:v1", "app:v1"], "nothing was removed");
    const s = h.reconciler.status();
    assert.equal(s.held[0]?.commit, empty);
    assert.match(s.held[0]?.reason ?? "", /would remove every pod berth runs for test \(3 pods of 1 service: web\).*allowEmpty: true/);
    assert.equal(s.lastPass?.result, "refused");
    assert.equal(h.fleet.calls.filter((c) => / (stop|remove) /.test(c)).length, 0);
  });

  // Guards the bug where a Host removed from git left its pods running and no plan mentioned them.
  it("metrics: a rollout counted per service it changed, by result; host and service gauges as status says, a host that left git gone from them", async function () {
    const series = async (name: string) => {
      const m = (await h.metrics.registry.getSingleMetric(name)!.get()).values;
      return Object.fromEntries(m.map((v) => [Object.values(v.labels).join(","), v.value]));
    };
    h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
    await h.reconciler.trigger("start");
    await h.reconciler.trigger("resync");
    assert.deepEqual(await series("berth_rollouts_total"), { "web,converged": 1 }, "the resync changed nothing and rolled nothing out");
    assert.deepEqual(await series("berth_host_up"), { h1: 1, h2: 1, h3: 1 });
    assert.deepEqual([await series("berth_service_replicas_desired"), await series("berth_service_replicas_ready")], [{ web: 3 }, { web: 3 }]);

    h.fleet.brokenImages.add("app:broken");
    h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:broken") }, "web broken");
    await h.reconciler.trigger("poll");
    assert.deepEqual(await series("berth_rollouts_total"), { "web,converged": 1, "web,rolled-back": 1 });

    h.fleet.down.add("h2");
    await h.reconciler.trigger("resync");
    assert.deepEqual(await series("berth_host_up"), { h1: 1, h2: 0, h3: 1 });
    const s = h.reconciler.status();
    assert.deepEqual(await series("berth_service_replicas_ready"), { web: s.services[0]!.ready }, "the gauge is the status' count");
    h.fleet.down.delete("h2");
    // Past h2's backoff, so the next pass observes it again.
    h.skip(60_000);

    const two = HOSTS.split("---\n").slice(0, 2).join("---\n");
    h.source.push({ "hosts.yaml": two, "web.yaml": web("app:v1").replace("replicas: 3", "replicas: 2") }, "h3 leaves");
    await h.reconciler.trigger("poll");
    assert.deepEqual(await series("berth_host_up"), { h1: 1, h2: 1 });
    assert.deepEqual(await series("berth_service_replicas_desired"), { web: 2 });
  });

  it("a host removed from git is found through the deployment record and emptied", async function () {
    h.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
    await h.reconciler.trigger("start");
    const two = HOSTS.split("---\n").slice(0, 2).join("---\n");
    h.source.push({ "hosts.yaml": two, "web.yaml": web("app:v1").replace("replicas: 3", "replicas: 2") }, "h3 leaves");
    await h.reconciler.trigger("poll");
    const pods = [...h.fleet.pods.values()];
    assert.deepEqual(pods.filter((p) => p.host === "h3"), [], "nothing of this owner is left on h3");
    assert.equal(pods.filter((p) => p.state === "running").length, 2);
  });
});

/** Leadership the test hands out and takes back, as an etcd lease would; `fence` refuses once it is taken back. */
class ScriptedLeadership implements Leadership {
  private listeners: ((s: LeaderState) => void)[] = [];
  fences = 0;
  constructor(
    readonly instance: string,
    private leading: boolean,
  ) {}
  state(): LeaderState {
    return { leader: this.leading, instance: this.instance, lock: "etcd://fake:2379", ...(this.leading ? { holder: this.instance } : { reason: "another instance leads" }) };
  }
  onChange(l: (s: LeaderState) => void): void {
    this.listeners.push(l);
  }
  async fence(): Promise<void> {
    this.fences++;
    if (!this.leading) throw new LeaseLostError({ lock: "etcd://fake:2379", instance: this.instance, cause: "its lease expired" });
  }
  set(leading: boolean): void {
    this.leading = leading;
    for (const l of this.listeners) l(this.state());
  }
  close = async () => undefined;
}

/** Two instances on the same engines, source and state: a leads, b follows. */
function twoInstances() {
  const la = new ScriptedLeadership("a", true);
  const a = harness(undefined, la);
  const lb = new ScriptedLeadership("b", false);
  const b = harness({ fleet: a.fleet, source: a.source, stateDir: a.stateDir }, lb);
  return { la, a, lb, b };
}

/** a loses its lease, then b is elected, as the daemon tells each. */
function handOver(la: ScriptedLeadership, a: ReturnType<typeof harness>, lb: ScriptedLeadership, b: ReturnType<typeof harness>): void {
  la.set(false);
  a.reconciler.leadershipLost();
  lb.set(true);
  b.reconciler.tookOver();
}

describe("Reconciler with --lock (leader and followers, on fake hosts)", function () {
  const runningByImage = (fleet: FakeFleet, image: string) => [...fleet.pods.values()].filter((p) => p.state === "running" && p.image === image).length;

  it("a follower observes and plans, and writes nothing: no pod, no record, no journal; its status shows the services and who leads", async function () {
    const follower = harness(undefined, new ScriptedLeadership("b", false));
    try {
      follower.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
      await follower.reconciler.trigger("start");
      assert.deepEqual(follower.images(), []);
      assert.equal(follower.fleet.calls.filter((c) => / (launch|stop|remove|start) /.test(c)).length, 0);
      assert.deepEqual(readJournal(follower.stateDir, "test"), []);
      const s = follower.reconciler.status();
      assert.equal(s.leader, false);
      assert.equal(s.leadership?.reason, "another instance leads");
      assert.deepEqual(s.services.map((x) => [x.name, x.desired, x.ready]), [["web", 3, 0]]);
      assert.equal(s.lastPass?.result, "following");
    } finally {
      follower.cleanup();
    }
  });

  it("a new leader knows what the old one held, from the shared store, and does not roll the held commit out again", async function () {
    const { la, a, lb, b } = twoInstances();
    try {
      const v1 = a.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
      await a.reconciler.trigger("start");
      await b.reconciler.trigger("start");
      a.fleet.brokenImages.add("app:broken");
      const bad = a.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:broken") }, "web broken");
      await a.reconciler.trigger("poll");
      await b.reconciler.trigger("poll");
      assert.deepEqual(a.reconciler.status().held.map((x) => x.commit), [bad]);
      const launches = a.fleet.calls.filter((c) => c.includes(" launch ")).length;
      // a loses its lease; b is elected.
      handOver(la, a, lb, b);
      await b.reconciler.trigger("elected");
      assert.equal(a.fleet.calls.filter((c) => c.includes(" launch ")).length, launches, "no pod of the held commit");
      const s = b.reconciler.status();
      assert.deepEqual(s.held.map((x) => x.commit), [bad]);
      assert.equal(s.source.commitApplied, v1);
      assert.equal(runningByImage(a.fleet, "app:v1"), 3);
    } finally {
      a.cleanup();
    }
  });

  it("a leader that loses its lease mid-rollout makes no further write (the launch already under way completes), and the new leader finishes the rollout", async function () {
    const { la, a, lb, b } = twoInstances();
    try {
      a.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
      await a.reconciler.trigger("start");
      a.gate.close();
      const v2 = a.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v2") }, "web v2");
      const pass = a.reconciler.trigger("poll");
      await until("the first v2 launch", () => (a.gate.held > 0 ? true : undefined));
      const writes = () => a.fleet.calls.filter((c) => / (launch|stop|remove|start) /.test(c)).length;
      la.set(false);
      a.reconciler.leadershipLost();
      const before = writes();
      a.gate.release();
      await pass;
      // The gated launch was past its fence: it is the one write that lands after the loss.
      assert.equal(writes(), before + 1, `writes after the loss: ${a.fleet.calls.slice(-3).join("; ")}`);
      assert.deepEqual(a.reconciler.status().held, [], "a lost lease is not the commit's fault");
      assert.ok(["waiting", "interrupted"].includes(a.reconciler.status().services[0]!.lastResult!), `result ${a.reconciler.status().services[0]!.lastResult}`);
      lb.set(true);
      b.reconciler.tookOver();
      await b.reconciler.trigger("elected");
      assert.equal(b.reconciler.status().source.commitApplied, v2);
      assert.deepEqual(b.images(), ["app:v2", "app:v2", "app:v2"]);
    } finally {
      a.cleanup();
    }
  });

  // Guards against a follower elected in the middle of its pass applying with its own stale view (it had not read what the old leader held).
  it("an instance elected mid-pass writes nothing in that pass; the next one starts from the shared store", async function () {
    const { la, a, lb, b } = twoInstances();
    try {
      a.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:v1") }, "web v1");
      await a.reconciler.trigger("start");
      await b.reconciler.trigger("start");
      a.fleet.brokenImages.add("app:broken");
      const bad = a.source.push({ "hosts.yaml": HOSTS, "web.yaml": web("app:broken") }, "web broken");
      await a.reconciler.trigger("poll");
      assert.deepEqual(a.reconciler.status().held.map((x) => x.commit), [bad]);
      const launches = a.fleet.calls.filter((c) => c.includes(" launch ")).length;
      // b is elected while its pass loads the commit a held.
      a.source.onCheckout = (commit) => {
        if (commit !== bad || lb.state().leader) return;
        handOver(la, a, lb, b);
      };
      await b.reconciler.trigger("poll");
      assert.equal(a.fleet.calls.filter((c) => c.includes(" launch ")).length, launches, "no pod of the held commit in the pass it was elected in");
      // The daemon runs a pass on election: it reads what a held.
      await b.reconciler.trigger("elected");
      assert.equal(a.fleet.calls.filter((c) => c.includes(" launch ")).length, launches, "nor in the next");
      assert.deepEqual(b.reconciler.status().held.map((x) => x.commit), [bad]);
    } finally {
      a.cleanup();
    }
  });
});

describe("Reconciler with autoscale (the daemon's autoscaler, on fake hosts)", function () {
  const scaled = (extra: string) =>
    // Replicas may share a host: the fake fleet has 3.
    `${web("app:v1")}  resources:\n    cpu: 1\n    memory: 64Mi\n  placement:\n    distinctHosts: false\n  autoscale:\n    min: 2\n    max: 6\n    cpu: { targetPercent: 60 }\n${extra}`;
  const setup = async (extra = "") => {
    const h = harness();
    let now = Date.UTC(2026, 11, 2, 10, 0, 0);
    const passes: string[] = [];
    const autoscaler = new Autoscaler({ target: h.reconciler, log: pino({ level: "silent" }), metrics: createMetrics(), now: () => now, onScaled: () => passes.push("autoscale") });
    h.reconciler.autoscaleLatest = (s) => autoscaler.latestOf(s);
    h.source.push({ "hosts.yaml": HOSTS, "web.yaml": scaled(extra) }, "web autoscaled");
    await h.reconciler.trigger("start");
    const load = (cores: number) => {
      for (const p of h.fleet.pods.values()) if (p.state === "running") h.fleet.cpu.set(p.pod, cores);
    };
    const tick = async (advanceMs = 15_000) => {
      now += advanceMs;
      await autoscaler.tick();
      if (passes.length) {
        passes.length = 0;
        await h.reconciler.trigger("autoscale");
      }
    };
    return { h, autoscaler, load, tick, running: () => h.images().length };
  };

  it("replicas in git (here 3) hold until the first decision; cpu at 90 % of the target's 60 % scales 3 → 5, journalled with its reason, and status says why", async function () {
    const { h, load, tick, running } = await setup();
    try {
      assert.equal(running(), 3, "git's replicas until the first decision");
      load(0.9);
      await tick();
      assert.equal(running(), 5);
      const s = h.reconciler.status().services[0]!;
      assert.deepEqual([s.desired, s.autoscale?.min, s.autoscale?.max, s.autoscale?.reason], [5, 2, 6, "cpu 90 % vs target 60 %"]);
      const scaledEntries = readJournal(h.stateDir, "test").filter((e) => e.result === "scaled");
      assert.deepEqual(scaledEntries.map((e) => e.services[0]!.reason), ["3 → 5: cpu 90 % vs target 60 %"]);
    } finally {
      h.cleanup();
    }
  });

  it("scales in only after the 5 m window, and never below min", async function () {
    const { h, load, tick, running } = await setup();
    try {
      load(0.1);
      await tick();
      assert.equal(running(), 3, "a scale-in waits the window out after a start");
      await tick(4 * 60_000);
      assert.equal(running(), 3);
      await tick(61_000 + 15_000);
      assert.equal(running(), 2, "min");
    } finally {
      h.cleanup();
    }
  });

  it("a metric that cannot be read holds the count, and status says why", async function () {
    const { h, tick, running } = await setup();
    try {
      await tick();
      assert.equal(running(), 3);
      assert.match(h.reconciler.status().services[0]!.autoscale!.latest!.reason, /^cpu unavailable: holding 3 \(cpu: the engines gave no sample for 3 running pods\)$/);
    } finally {
      h.cleanup();
    }
  });

  it("decides nothing while a rollout runs", async function () {
    const { h, load, tick, running } = await setup();
    try {
      load(0.9);
      h.gate.close();
      h.source.push({ "hosts.yaml": HOSTS, "web.yaml": scaled("").replace("app:v1", "app:v2") }, "web v2");
      const pass = h.reconciler.trigger("poll");
      await until("the v2 rollout", () => (h.gate.held > 0 ? true : undefined));
      await tick();
      assert.match(h.reconciler.status().services[0]!.autoscale?.latest?.reason ?? "", /waiting for the rollout/);
      h.gate.release();
      await pass;
      assert.equal(running(), 3, "no scale during the rollout");
    } finally {
      h.cleanup();
    }
  });

  it("a count set before is kept in the record: a restart plans it, and a commit that lowers max takes effect at once", async function () {
    const { h, load, tick, running } = await setup();
    try {
      load(0.9);
      await tick();
      assert.equal(running(), 5);
      await h.reconciler.stop();
      const again = harness({ fleet: h.fleet, source: h.source, stateDir: h.stateDir });
      await again.reconciler.trigger("start");
      assert.equal(again.images().length, 5, "the restarted loop keeps the controller's count");
      h.source.push({ "hosts.yaml": HOSTS, "web.yaml": scaled("").replace("max: 6", "max: 4") }, "max 4");
      await again.reconciler.trigger("poll");
      assert.equal(again.images().length, 4);
    } finally {
      h.cleanup();
    }
  });
});

