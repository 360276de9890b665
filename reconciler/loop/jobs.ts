/**
 * Runs `Job`s on their cron schedules (node-cron, in the job's time zone).
 * Each run is a pod placed by the scheduler, watched until it exits or its
 * timeout kills it; the exit code and the last lines of output are kept,
 * and finished runs beyond the history limit are removed. The cron fires
 * runs; everything else time-based (stamps, polls, timeouts) reads the
 * injected `Timers`.
 */
import { randomBytes } from "node:crypto";
import type { Fleet, JobSpec } from "../model/fleet.ts";
import { observeFleet } from "../docker/observe-fleet.ts";
import type { DockerHost, HostObservation, ObservedContainer } from "../docker/types.ts";
import { secretMask, type TextMask } from "../rollout/mask-secrets.ts";
import { resolveSecrets, type SecretRules } from "../rollout/secrets.ts";
import { nodeCron, type Cron } from "./cron.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import { placeJobRun } from "./place-job-run.ts";
import { RECENT_JOB_RUNS, type DaemonStatus, type JobRun } from "./status.ts";
import { systemTimers, type Timers } from "./timers.ts";

type LastRun = JobRun;

const POLL_MS = 500;
const OUTPUT_LINES = 20;

/** What jobs need of the reconciler: the fleet it converges to, its commit, and the connected hosts. */
export interface JobFleet {
  readonly fleet: Fleet | undefined;
  readonly commit: string | undefined;
  readonly hostMap: ReadonlyMap<string, DockerHost>;
}

export interface JobRunnerDeps {
  readonly owner: string;
  /** Whether this instance leads (default: always): a follower's cron ticks run nothing. */
  readonly leads?: () => boolean;
  /** With `--lock`: claims a schedule tick (ms since the epoch) across instances; false when another already ran it. */
  readonly claimRun?: (job: string, tickMs: number) => Promise<boolean>;
  /** Where secrets may be read from (the operator config). */
  readonly secretRules: SecretRules;
  readonly reconciler: JobFleet;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly seed: number;
  /** Fires the scheduled runs; default node-cron. */
  readonly cron?: Cron;
  /** Run stamps, the poll while a run goes on, and its timeout; default the system's. */
  readonly timers?: Timers;
}

/** A run of this process: registered before its first await, its pod known once launched. */
interface Active {
  launched?: { readonly host: DockerHost; readonly pod: string };
  cancelled: boolean;
}

export class JobRunner {
  private readonly tasks = new Map<string, { key: string; task: { stop(): void } }>();
  private readonly active = new Map<string, Active[]>();
  /** Finished runs per job, newest first. */
  private readonly last = new Map<string, LastRun[]>();
  private readonly specs = new Map<string, JobSpec>();
  private stopped = false;

  private readonly cron: Cron;
  private readonly timers: Timers;

  constructor(private readonly deps: JobRunnerDeps) {
    this.cron = deps.cron ?? nodeCron;
    this.timers = deps.timers ?? systemTimers;
  }

  status(): DaemonStatus["jobs"] {
    return [...this.specs.values()].map((j) => {
      const runs = this.last.get(j.name);
      return { name: j.name, ...(j.schedule ? { schedule: j.schedule } : {}), ...(runs ? { lastRun: runs[0]!, recentRuns: runs } : {}) };
    });
  }

  /** Schedules the jobs of the fleet berth converges to; unschedules the ones gone. */
  sync(): void {
    if (this.stopped) return;
    const jobs = this.deps.reconciler.fleet?.jobs ?? [];
    const wanted = new Set(jobs.map((j) => j.name));
    for (const [name, t] of this.tasks) {
      if (!wanted.has(name)) {
        t.task.stop();
        this.tasks.delete(name);
        this.specs.delete(name);
      }
    }
    for (const job of jobs) {
      this.specs.set(job.name, job);
      if (!job.schedule) continue;
      const key = `${job.schedule}\u0000${job.timezone}\u0000${job.pod.specHash}`;
      if (this.tasks.get(job.name)?.key === key) continue;
      this.tasks.get(job.name)?.task.stop();
      const task = this.cron.schedule(job.schedule, () => void this.scheduled(job.name), { timezone: job.timezone, name: `berth-job-${job.name}` });
      this.tasks.set(job.name, { key, task });
      this.deps.log.info({ job: job.name, schedule: job.schedule, timezone: job.timezone }, "job scheduled");
    }
  }

  /**
   * A schedule tick: run by the leader alone, and with `--lock` only once
   * claimed in etcd, so a tick runs once across instances even when two
   * both believe they lead for a moment around a change of leader.
   */
  private async scheduled(name: string): Promise<void> {
    if (this.deps.leads && !this.deps.leads()) return;
    // Ticks fire on whole seconds; the claim names the second, whatever the instance's jitter.
    const tick = Math.floor(this.timers.now() / 1000) * 1000;
    try {
      if (this.deps.claimRun && !(await this.deps.claimRun(name, tick))) {
        this.deps.log.info({ job: name, tick: new Date(tick).toISOString() }, "job run skipped: another instance ran this tick");
        return;
      }
    } catch (err) {
      this.deps.log.warn({ job: name, err: err instanceof Error ? err.message : String(err) }, "job run skipped: its tick could not be claimed");
      return;
    }
    await this.run(name);
  }

  /**
   * One run of a job, honouring its concurrency policy against the runs of
   * this process and against runs still going on the engines (a run started
   * before a restart).
   */
  async run(name: string): Promise<void> {
    const job = this.specs.get(name);
    const fleet = this.deps.reconciler.fleet;
    if (!job || !fleet || this.stopped) return;
    const { log, owner } = this.deps;
    const earlier = this.active.get(name) ?? [];
    if (earlier.length > 0 && job.concurrency === "forbid") return this.skip(name);
    const active: Active = { cancelled: false };
    this.active.set(name, [...earlier, active]);
    const hosts = this.deps.reconciler.hostMap;
    let containers: ObservedContainer[] = [];
    const startedAt = new Date(this.timers.now()).toISOString();
    // Until the run's secrets are resolved there is nothing of theirs to hide.
    let mask: TextMask = (text) => text;
    try {
      if (job.concurrency === "replace") for (const a of earlier) a.cancelled = true;
      const observations = await observeFleet([...hosts.values()], owner);
      containers = observations.flatMap((o) => (o.ok ? o.containers : []));
      const mine = new Set(earlier.map((a) => a.launched?.pod));
      const leftovers = containers.filter((c) => c.kind === "job" && c.group === name && c.container === "main" && c.state === "running" && !mine.has(c.pod));
      if (leftovers.length > 0 && job.concurrency === "forbid") return this.skip(name);
      if (job.concurrency === "replace") {
        const stops = [...earlier.flatMap((a) => (a.launched ? [a.launched] : [])), ...leftovers.flatMap((c) => (hosts.get(c.host) ? [{ host: hosts.get(c.host)!, pod: c.pod }] : []))];
        await Promise.all(stops.map((r) => r.host.stopPod(owner, r.pod, job.pod.stopGracePeriodMs).catch(() => undefined)));
      }
      const placed = this.place(job, fleet, hosts, observations);
      if ("reason" in placed) return this.record(name, { at: startedAt, result: "unplaced", reason: placed.reason });
      const host = hosts.get(placed.host)!;
      const pod = randomBytes(5).toString("hex");
      await host.pull(job.pod.containers[0]!.image);
      const commit = this.deps.reconciler.commit ?? "unknown";
      const secretValues = resolveSecrets(job.pod, this.deps.secretRules);
      mask = secretMask(secretValues);
      const { containers: made } = await host.launchPod({ pod, owner, commit, slot: 0, spec: job.pod, secretValues });
      active.launched = { host, pod };
      await this.watch(name, job, active, made[0]!.id, startedAt, mask);
    } catch (err) {
      // The engine may quote the environment it refused (runc does for a NUL in a value).
      this.record(name, { at: startedAt, result: "failed", reason: mask(err instanceof Error ? err.message : String(err)) });
    } finally {
      this.active.set(name, (this.active.get(name) ?? []).filter((a) => a !== active));
      await this.prune(job, containers).catch((err: unknown) => log.warn({ err, job: name }, "could not prune finished job runs"));
    }
  }

  private skip(name: string): void {
    this.deps.log.info({ job: name }, "job run skipped: the previous run is still going (concurrency: forbid)");
    this.deps.metrics.jobRuns.inc({ job: name, result: "skipped" });
  }

  /** The host for one run, or why there is none. Without hosts in git, the connected ones (the default engine). */
  private place(job: JobSpec, fleet: Fleet, hosts: ReadonlyMap<string, DockerHost>, observations: readonly HostObservation[]): { host: string } | { reason: string } {
    const specs = fleet.hosts.length ? fleet.hosts : [...hosts.keys()].map((n) => ({ name: n, endpoint: "", insecure: true, labels: {}, drain: false, source: { file: "", line: 0 } }));
    return placeJobRun(job, { hosts: specs, services: fleet.services, observations, seed: this.deps.seed });
  }

  /** Follows a launched run until it exits, times out, is replaced, or berth stops; records how it ended. */
  private async watch(name: string, job: JobSpec, active: Active, mainId: string, startedAt: string, mask: TextMask): Promise<void> {
    const { host, pod } = active.launched!;
    const { timers } = this;
    const deadline = job.timeoutMs ? timers.now() + job.timeoutMs : Infinity;
    let status = await host.status(mainId);
    while (status?.state === "running" && timers.now() < deadline && !active.cancelled && !this.stopped) {
      // The last wait ends at the deadline, so a run is stopped at its timeout, not up to a poll later.
      await new Promise<void>((r) => timers.after(Math.min(POLL_MS, deadline - timers.now()), r));
      status = await host.status(mainId);
    }
    // A run may print the secrets berth injected: its output is kept (and shown in /status) only masked.
    const output = mask((await host.logsTail(mainId, OUTPUT_LINES).catch(() => "")).trimEnd());
    if (active.cancelled) {
      // The newer run stops this one.
      this.record(name, { at: startedAt, result: "replaced", reason: "a newer run replaced it (concurrency: replace)", output });
    } else if (status?.state === "running" && this.stopped) {
      // berth is shutting down: the run goes on on its engine; a later berth sees it (forbid, replace, history).
      this.deps.log.info({ job: name, host: host.name, pod }, "berth is stopping; the job run goes on on its engine");
    } else if (status?.state === "running") {
      await host.stopPod(this.deps.owner, pod, job.pod.stopGracePeriodMs);
      this.record(name, { at: startedAt, result: "failed", reason: `timed out after ${job.timeoutMs} ms and was stopped`, output });
    } else {
      const exitCode = status?.exitCode ?? -1;
      this.record(name, { at: startedAt, result: exitCode === 0 ? "succeeded" : "failed", exitCode, output });
    }
  }

  private record(name: string, finished: LastRun): void {
    const started = Date.parse(finished.at);
    const run: LastRun = Number.isFinite(started) ? { ...finished, durationMs: Math.max(0, this.timers.now() - started) } : finished;
    this.last.set(name, [run, ...(this.last.get(name) ?? [])].slice(0, RECENT_JOB_RUNS));
    this.deps.metrics.jobRuns.inc({ job: name, result: run.result });
    this.deps.log.info({ job: name, result: run.result, exitCode: run.exitCode, reason: run.reason }, "job run finished");
  }

  /** Removes finished runs of the job beyond its history limit, oldest first. */
  private async prune(job: JobSpec, before: readonly ObservedContainer[]): Promise<void> {
    const hosts = this.deps.reconciler.hostMap;
    const now = (await observeFleet([...hosts.values()], this.deps.owner)).flatMap((o) => (o.ok ? o.containers : []));
    const finished = [...new Map([...before, ...now].filter((c) => c.kind === "job" && c.group === job.name && c.container === "main" && c.state !== "running").map((c) => [c.pod, c])).values()];
    finished.sort((a, b) => b.createdAt - a.createdAt);
    for (const c of finished.slice(job.historyLimit)) await hosts.get(c.host)?.removePod(this.deps.owner, c.pod);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.tasks.values()) t.task.stop();
    this.tasks.clear();
  }
}
