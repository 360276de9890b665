/**
 * The job runner on fake time, against the recording fake host: runs are
 * fired directly (or through a fake cron), and the 500 ms poll, the timeout
 * and the stamps all read FakeTimers, so every time is asserted exactly and
 * nothing sleeps. The same behaviour on real engines:
 * test/integration/daemon/jobs.test.ts.
 */
import { TEST_OPERATOR } from "../../support/operator.ts";
import assert from "node:assert/strict";
import pino from "pino";
import type { ContainerStatus, ObservedContainer, PodLaunch } from "../../../reconciler/docker/types.ts";
import type { Cron } from "../../../reconciler/loop/cron.ts";
import { JobRunner, type JobRunnerDeps } from "../../../reconciler/loop/jobs.ts";
import { createMetrics, type Metrics } from "../../../reconciler/loop/metrics.ts";
import type { Fleet, JobSpec } from "../../../reconciler/model/fleet.ts";
import { FakeFleet, FakeHost } from "../../support/fake-host.ts";
import { FakeTimers } from "../../support/fake-timers.ts";
import { container, job, jobPod } from "../plan/mock.ts";

const T0 = Date.UTC(2026, 0, 1, 3, 0, 0);
const iso = (ms: number) => new Date(T0 + ms).toISOString();

/** What a run of an image does: goes on for `ms` of fake time, then exits with `exitCode`, having printed `output`. */
interface Script {
  readonly ms: number;
  readonly exitCode: number;
  readonly output: string;
}

/**
 * The fake host with job runs that end: a run's pod exits when its image's
 * script says, is listed as a job created at its launch time, and prints
 * the script's output. Stops are stamped with the fake time.
 */
class JobHost extends FakeHost {
  private readonly runs = new Map<string, { launchedAt: number; script: Script; stoppedAt?: number }>();
  constructor(
    name: string,
    private readonly fakes: FakeFleet,
    private readonly timers: FakeTimers,
    private readonly scripts: Readonly<Record<string, Script>>,
  ) {
    super(name, fakes);
  }

  /** Each run's pod and when it was stopped, in ms since T0. */
  get stops(): { pod: string; at: number }[] {
    return [...this.runs].flatMap(([pod, r]) => (r.stoppedAt === undefined ? [] : [{ pod, at: r.stoppedAt - T0 }]));
  }

  /** The run pods launched, in order. */
  get launched(): string[] {
    return [...this.runs.keys()];
  }

  /** A run's exit code once it has ended, by its script or by a stop (a trapped SIGTERM). */
  private exitCode(pod: string): number | undefined {
    const r = this.runs.get(pod);
    const p = this.fakes.pods.get(pod);
    if (!r || !p) return undefined;
    if (r.stoppedAt !== undefined) return 143;
    if (this.timers.now() >= r.launchedAt + r.script.ms) {
      p.state = "exited";
      return r.script.exitCode;
    }
    return undefined;
  }

  override async launchPod(l: PodLaunch): Promise<{ containers: { name: string; id: string }[] }> {
    const made = await super.launchPod(l);
    this.runs.set(l.pod, { launchedAt: this.timers.now(), script: this.scripts[l.spec.containers[0]!.image]! });
    return made;
  }

  override async stopPod(owner: string, pod: string, graceMs: number): Promise<void> {
    const r = this.runs.get(pod);
    if (r && r.stoppedAt === undefined && this.exitCode(pod) === undefined) r.stoppedAt = this.timers.now();
    await super.stopPod(owner, pod, graceMs);
  }

  override async observe(owner: string): Promise<ObservedContainer[]> {
    return (await super.observe(owner)).map((c) => {
      const r = this.runs.get(c.pod!);
      if (!r) return c;
      const exitCode = this.exitCode(c.pod!);
      return { ...c, kind: "job", createdAt: r.launchedAt, state: exitCode === undefined ? "running" : "exited", health: "none", ...(exitCode === undefined ? {} : { exitCode }) };
    });
  }

  override async status(id: string): Promise<ContainerStatus | undefined> {
    const pod = id.replace(/-main$/, "");
    if (!this.runs.has(pod)) return super.status(id);
    if (!this.fakes.pods.has(pod)) return undefined;
    const exitCode = this.exitCode(pod);
    return { id, state: exitCode === undefined ? "running" : "exited", health: "none", ...(exitCode === undefined ? {} : { exitCode }), ports: [] };
  }

  override async logsTail(id?: string): Promise<string> {
    return this.runs.get((id ?? "").replace(/-main$/, ""))?.script.output ?? "";
  }
}

/** A cron the test fires by hand; it records what is scheduled and what stopped. */
class FakeCron implements Cron {
  readonly entries: { expression: string; timezone: string; fire: () => void; stopped: boolean }[] = [];
  schedule(expression: string, fire: () => void, options: { timezone: string }): { stop(): void } {
    const e = { expression, timezone: options.timezone, fire, stopped: false };
    this.entries.push(e);
    return { stop: () => void (e.stopped = true) };
  }
  get live(): { expression: string; timezone: string }[] {
    return this.entries.filter((e) => !e.stopped).map(({ expression, timezone }) => ({ expression, timezone }));
  }
}

const SCRIPTS: Record<string, Script> = {
  "tool:ok": { ms: 1_200, exitCode: 0, output: "dumped 3 tables\n" },
  "tool:fails": { ms: 700, exitCode: 2, output: "pg_dump: connection refused\n" },
  "tool:long": { ms: 120_000, exitCode: 0, output: "reindexed\n" },
  "tool:hangs": { ms: 3_600_000, exitCode: 0, output: "still waiting for the lock\n" },
  "tool:brief": { ms: 100, exitCode: 0, output: "done\n" },
};

const backup = (image: string, over: Partial<JobSpec> = {}): JobSpec => job({ pod: jobPod({ containers: [container({ image })], stopGracePeriodMs: 2_000 }), ...over });

describe("JobRunner (fake host, fake time)", function () {
  let timers: FakeTimers;
  let fakes: FakeFleet;
  let host: JobHost;
  let cron: FakeCron;
  let metrics: Metrics;
  let runners: JobRunner[];

  const fleetOf = (...jobs: JobSpec[]): Fleet => ({ hosts: [], services: [], jobs, templates: [], policy: { allowPrivileged: false, allowHostNetwork: false, allowedHostPaths: [], allowEmpty: false } });
  /** A runner (a berth process) over `h1`; several share the host, as after a restart. */
  const runnerFor = (fleet: Fleet, across: Pick<JobRunnerDeps, "leads" | "claimRun"> = {}): JobRunner => {
    const r = new JobRunner({ secretRules: TEST_OPERATOR.config.secrets, owner: "o", reconciler: { fleet, commit: "c1", hostMap: new Map([["h1", host]]) }, log: pino({ level: "silent" }), metrics, seed: 1, cron, timers, ...across });
    r.sync();
    runners.push(r);
    return r;
  };
  const lastRun = (r: JobRunner) => r.status().find((j) => j.name === "backup")?.lastRun;
  const runs = async (result: string): Promise<number> => (await metrics.jobRuns.get()).values.find((v) => v.labels.job === "backup" && v.labels.result === result)?.value ?? 0;
  /** Starts a run; `ended()` says whether it has returned yet. */
  const start = (r: JobRunner): { ended: () => boolean; done: Promise<void> } => {
    let ended = false;
    const done = r.run("backup").then(() => void (ended = true));
    return { ended: () => ended, done };
  };

  beforeEach(function () {
    timers = new FakeTimers(T0);
    fakes = new FakeFleet();
    host = new JobHost("h1", fakes, timers, SCRIPTS);
    cron = new FakeCron();
    metrics = createMetrics();
    runners = [];
  });
  afterEach(function () {
    for (const r of runners) r.stop();
  });

  describe("a run", function () {
    it("that exits 0 is recorded with its start, exit code and output, at the first poll after it ended", async function () {
      const runner = runnerFor(fleetOf(backup("tool:ok")));
      await timers.advance(60_000);
      const run = start(runner);
      // Polls at 0, 500, 1000, 1500 ms: the exit at 1200 is seen at 1500.
      await timers.advance(1_499);
      assert.equal(run.ended(), false, "still watched 1 ms before the poll that sees the exit");
      assert.equal(lastRun(runner), undefined);
      await timers.advance(1);
      assert.equal(run.ended(), true);
      assert.deepEqual(lastRun(runner), { at: iso(60_000), result: "succeeded", exitCode: 0, output: "dumped 3 tables", durationMs: 1500 });
      assert.equal(await runs("succeeded"), 1);
      assert.deepEqual(host.stops, [], "a run that ended is not stopped");
    });

    it("the status keeps the last 5 finished runs, newest first, each with its duration", async function () {
      const runner = runnerFor(fleetOf(backup("tool:ok")));
      for (let i = 0; i < 7; i++) {
        const run = start(runner);
        await timers.advance(1_500);
        await run.done;
        await timers.advance(10_000);
      }
      const recent = runner.status().find((j) => j.name === "backup")?.recentRuns ?? [];
      assert.deepEqual(recent.map((r) => [r.at, r.result, r.durationMs]), [6, 5, 4, 3, 2].map((i) => [iso(i * 11_500), "succeeded", 1500]));
      assert.deepEqual(lastRun(runner), recent[0]);
    });

    it("that exits non-zero is failed, with its exit code and output", async function () {
      const runner = runnerFor(fleetOf(backup("tool:fails")));
      const run = start(runner);
      await timers.advance(1_000);
      assert.equal(run.ended(), true);
      assert.deepEqual(lastRun(runner), { at: iso(0), result: "failed", exitCode: 2, output: "pg_dump: connection refused", durationMs: 1000 });
      assert.equal(await runs("failed"), 1);
    });

    it("past its timeout is stopped at exactly the timeout, with its grace period, and marked failed", async function () {
      // 1.2 s is not a multiple of the 500 ms poll: the last wait is cut to the deadline.
      const runner = runnerFor(fleetOf(backup("tool:hangs", { timeoutMs: 1_200 })));
      const run = start(runner);
      await timers.advance(1_199);
      assert.deepEqual(host.stops, [], "not stopped 1 ms before the timeout");
      await timers.advance(1);
      const [pod] = host.launched;
      assert.deepEqual(host.stops, [{ pod, at: 1_200 }]);
      assert.equal(fakes.graces.get(pod!), 2_000);
      assert.equal(run.ended(), true);
      assert.deepEqual(lastRun(runner), { at: iso(0), result: "failed", reason: "timed out after 1200 ms and was stopped", output: "still waiting for the lock", durationMs: 1200 });
    });

    it("without a timeout is watched for as long as it goes on", async function () {
      const runner = runnerFor(fleetOf(backup("tool:long")));
      const run = start(runner);
      await timers.advance(119_999);
      assert.equal(run.ended(), false);
      await timers.advance(1);
      assert.deepEqual(lastRun(runner), { at: iso(0), result: "succeeded", exitCode: 0, output: "reindexed", durationMs: 120000 });
      assert.deepEqual(host.stops, []);
    });
  });

  describe("concurrency", function () {
    it("forbid: a run due while one is going is skipped, and the next one after it ends runs", async function () {
      const runner = runnerFor(fleetOf(backup("tool:ok", { concurrency: "forbid" })));
      const first = start(runner);
      await timers.advance(500);
      const second = start(runner);
      await timers.advance(0);
      assert.equal(second.ended(), true, "returned at once");
      assert.equal(await runs("skipped"), 1);
      assert.equal(host.launched.length, 1, "only one run was started");
      await timers.advance(1_000);
      assert.equal(first.ended(), true);
      const third = start(runner);
      await timers.advance(1_500);
      assert.equal(third.ended(), true);
      assert.deepEqual([host.launched.length, await runs("skipped"), await runs("succeeded")], [2, 1, 2]);
    });

    it("forbid: a run still going from before a restart counts; berth stopping leaves it running", async function () {
      const fleet = fleetOf(backup("tool:ok", { concurrency: "forbid" }));
      const before = runnerFor(fleet);
      const first = start(before);
      await timers.advance(700);
      before.stop();
      // The watch notices at its next poll (1000 ms), records nothing, and leaves the pod be.
      await timers.advance(300);
      assert.equal(first.ended(), true);
      assert.equal(lastRun(before), undefined);
      assert.deepEqual(host.stops, []);
      const after = start(runnerFor(fleet));
      await timers.advance(0);
      assert.equal(after.ended(), true, "returned at once");
      assert.equal(await runs("skipped"), 1);
      assert.equal(host.launched.length, 1);
    });

    it("replace: a new run stops the one going at once, and the old one is recorded as replaced", async function () {
      const runner = runnerFor(fleetOf(backup("tool:hangs", { concurrency: "replace" })));
      const first = start(runner);
      await timers.advance(1_000);
      const second = start(runner);
      await timers.advance(0);
      const [old, newer] = host.launched;
      assert.deepEqual(host.stops, [{ pod: old, at: 1_000 }]);
      assert.ok(newer, "the new run was launched");
      await timers.advance(500);
      assert.equal(first.ended(), true, "the old watch ends at its next poll");
      assert.equal(await runs("replaced"), 1);
      assert.equal(second.ended(), false, "the new run goes on");
    });

    it("allow: runs overlap", async function () {
      const runner = runnerFor(fleetOf(backup("tool:ok", { concurrency: "allow" })));
      const first = start(runner);
      await timers.advance(500);
      const second = start(runner);
      await timers.advance(1_000);
      assert.deepEqual([first.ended(), second.ended()], [true, false], "the first ended while the second goes on");
      await timers.advance(1_000);
      assert.equal(await runs("succeeded"), 2);
      assert.equal(host.launched.length, 2);
    });
  });

  describe("history", function () {
    it("removes finished runs beyond the history limit, oldest first", async function () {
      const runner = runnerFor(fleetOf(backup("tool:brief", { historyLimit: 2 })));
      for (let i = 0; i < 4; i++) {
        const run = start(runner);
        await timers.advance(500);
        assert.equal(run.ended(), true);
      }
      const launched = host.launched;
      assert.equal(launched.length, 4);
      assert.deepEqual(
        launched.filter((p) => fakes.pods.has(p)),
        launched.slice(2),
        "the two newest runs kept",
      );
    });
  });

  describe("the schedule", function () {
    it("schedules each job with a schedule on the cron, in its time zone; a fire starts a run", async function () {
      const { schedule: _none, ...scheduled } = backup("tool:brief");
      const onDemand: JobSpec = { ...scheduled, name: "reindex" };
      const runner = runnerFor(fleetOf(backup("tool:brief", { schedule: "0 3 * * *", timezone: "Europe/Berlin" }), onDemand));
      assert.deepEqual(cron.live, [{ expression: "0 3 * * *", timezone: "Europe/Berlin" }], "the on-demand job is not scheduled");
      cron.entries[0]!.fire();
      await timers.advance(500);
      assert.equal(lastRun(runner)?.result, "succeeded");
      assert.equal(host.launched.length, 1);
    });

    it("reschedules a job whose schedule changed, unschedules one gone, and stops all on stop", function () {
      const fleet = { current: fleetOf(backup("tool:brief", { schedule: "0 3 * * *" })) };
      const runner = new JobRunner({ secretRules: TEST_OPERATOR.config.secrets, owner: "o", reconciler: { get fleet() { return fleet.current; }, commit: "c1", hostMap: new Map([["h1", host]]) }, log: pino({ level: "silent" }), metrics, seed: 1, cron, timers });
      runners.push(runner);
      runner.sync();
      runner.sync();
      assert.equal(cron.entries.length, 1, "an unchanged job is not scheduled again");
      fleet.current = fleetOf(backup("tool:brief", { schedule: "30 4 * * *" }));
      runner.sync();
      assert.deepEqual(cron.live, [{ expression: "30 4 * * *", timezone: "UTC" }]);
      fleet.current = fleetOf();
      runner.sync();
      assert.deepEqual(cron.live, []);
      fleet.current = fleetOf(backup("tool:brief"));
      runner.sync();
      runner.stop();
      assert.deepEqual(cron.live, []);
      assert.equal(cron.entries.length, 3);
    });
  });

  describe("across instances (--lock)", function () {
    // `allow`: only the claim keeps two instances from running one tick (forbid would also see the other run on the engine).
    const every = (over: Partial<JobSpec> = {}) => backup("tool:brief", { schedule: "* * * * *", concurrency: "allow", ...over });
    /** Fires every live cron entry (each runner's) at once, as one tick reaches every instance, and lets the runs end. */
    const tick = async () => {
      for (const e of cron.entries.filter((x) => !x.stopped)) e.fire();
      await timers.advance(1_000);
    };

    it("a follower's tick runs nothing", async function () {
      let leads = false;
      runnerFor(fleetOf(every()), { leads: () => leads });
      await tick();
      assert.deepEqual(host.launched, []);
      leads = true;
      await tick();
      assert.equal(host.launched.length, 1, "once it leads, its ticks run");
    });

    it("a tick claimed by another instance is not run again, while a new tick is", async function () {
      const claimed = new Set<string>();
      const claimRun = async (job: string, tickMs: number) => {
        const key = `${job}@${tickMs}`;
        if (claimed.has(key)) return false;
        claimed.add(key);
        return true;
      };
      // Two instances that both believe they lead, for a moment around a change of leader.
      runnerFor(fleetOf(every()), { leads: () => true, claimRun });
      runnerFor(fleetOf(every()), { leads: () => true, claimRun });
      await timers.advance(60_000);
      await tick();
      assert.equal(host.launched.length, 1, "one run for the tick, not two");
      assert.deepEqual([...claimed], [`backup@${T0 + 60_000}`], "claimed by its whole second");
      await timers.advance(59_000);
      await tick();
      assert.equal(host.launched.length, 2, "the next tick runs once too");
    });

    it("a tick that cannot be claimed (etcd down) is skipped, not run unclaimed", async function () {
      runnerFor(fleetOf(every()), { leads: () => true, claimRun: () => Promise.reject(new Error("no answer within 2000 ms")) });
      await tick();
      assert.deepEqual(host.launched, []);
    });
  });
});
