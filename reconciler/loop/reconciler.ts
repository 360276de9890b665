/**
 * One reconcile pass, and the rules between passes. A pass is level-based:
 * it re-reads git and every engine, so a daemon killed at any point picks up
 * where the fleet is.
 *
 *   resolve the ref → load the commit (once per commit) → choose what to
 *   converge to (the newest valid commit, unless it is held) → observe,
 *   schedule, diff → apply → record the result, and where pods run now
 *   (the deployment record, reconciler/record/).
 *
 * Passes never overlap: a trigger during a pass runs one more pass after it.
 */
import type { Fleet, HostSpec } from "../model/fleet.ts";
import { formatDiagnostic } from "../load/diagnostic.ts";
import { loadFleet } from "../load/load-fleet.ts";
import type { DockerHost } from "../docker/types.ts";
import type { OperatorRules } from "../load/check-operator.ts";
import type { DeployedRecord, SlotRecord } from "../model/deployed.ts";
import { connectHosts, type ConnectedHosts } from "../pipeline/connect-hosts.ts";
import { planFleet, type PlannedFleet } from "../pipeline/plan-fleet.ts";
import { plannedSlots, reachableDeparted, saveRecord } from "../pipeline/plan-from-record.ts";
import { readRecord } from "../record/deployed-record.ts";
import type { Plan } from "../plan/types.ts";
import { applyPlan, type ApplyDeps } from "../rollout/apply-plan.ts";
import type { RolloutEvent } from "../rollout/events.ts";
import type { GitSource, CommitInfo } from "../source/types.ts";
import { GitSourceError } from "../source/errors.ts";
import { appendJournal, type JournalEntry } from "./journal.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import { CrashBackoff } from "./crash-backoff.ts";
import { BackedOffHost } from "./host-backoff.ts";
import { servicesFromPlan, type DaemonStatus, type ServiceStatus } from "./status.ts";

export interface ReconcilerDeps {
  readonly source: GitSource;
  readonly owner: string;
  readonly stateDir: string;
  readonly subPath?: string;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly now: () => number;
  readonly seed: number;
  /** The operator's rules: every commit is checked against them, and `hostLostAfter`. */
  readonly operator: OperatorRules;
  readonly applyDeps: (hosts: ReadonlyMap<string, DockerHost>, onEvent: (e: RolloutEvent) => void) => ApplyDeps;
  /** Called when the set of hosts changes, so engine event streams follow. */
  readonly onHosts?: (hosts: ReadonlyMap<string, DockerHost>) => void;
  /** How Host documents (in git, and those that left it) become DockerHosts (default: dockerode); tests pass fake hosts. */
  readonly connect?: (specs: readonly HostSpec[], left: readonly HostSpec[]) => ConnectedHosts;
}

interface Loaded {
  readonly commit: CommitInfo;
  readonly fleet?: Fleet;
  readonly diagnostics: readonly string[];
}

/** How long after berth stops or removes a pod its engine events are taken as berth's own. */
const OWN_EVENT_MS = 60_000;

export class Reconciler {
  private running: Promise<void> | undefined;
  private again: string | undefined;
  private stopping = false;
  private loaded: Loaded | undefined;
  private good: Loaded | undefined;
  private readonly held = new Map<string, string>();
  private connected: { key: string; hosts: ConnectedHosts } | undefined;
  private readonly crashes = new CrashBackoff();
  private retry: NodeJS.Timeout | undefined;
  /** Aborted by stop(): the apply under way finishes its steps in progress and starts no new one. */
  private readonly stopSignal = new AbortController();
  private readonly results = new Map<string, { result: string; reason?: string }>();
  /** Pods berth itself is stopping or removing, until when: their engine events are not drift. */
  private readonly changing = new Map<string, number>();
  /** Pods that passed berth's own probe in a rollout; see servicesFromPlan. */
  private verified = new Set<string>();
  private sourceError: string | undefined;
  private lastPass: DaemonStatus["lastPass"];
  private services: ServiceStatus[] = [];
  private hosts: DaemonStatus["hosts"] = [];
  private readonly warned = new Set<string>();
  /** Where berth deployed what, as last written to the state folder. */
  private record: DeployedRecord | undefined;
  jobsStatus: () => DaemonStatus["jobs"] = () => [];

  constructor(private readonly deps: ReconcilerDeps) {
    const { record, problem } = readRecord(deps.stateDir, deps.owner);
    if (problem) deps.log.warn(problem);
    this.record = record;
    // What the loop must know after a restart (DESIGN §1): the commits it held, and (in pass) the last good one.
    for (const h of record?.held ?? []) this.held.set(h.commit, h.reason);
  }

  /** The fleet berth converges to now (for the job runner). */
  get fleet(): Fleet | undefined {
    return this.desired()?.fleet;
  }

  /** The commit of that fleet. */
  get commit(): string | undefined {
    return this.desired()?.commit.sha;
  }

  get hostMap(): ReadonlyMap<string, DockerHost> {
    return this.connected?.hosts.hosts ?? new Map();
  }

  status(): DaemonStatus {
    return {
      owner: this.deps.owner,
      source: {
        identity: this.deps.source.identity,
        ...(this.loaded ? { commitSeen: this.loaded.commit.sha } : {}),
        ...(this.good ? { commitApplied: this.good.commit.sha } : {}),
        ...(this.sourceError ? { error: this.sourceError } : {}),
      },
      ...(this.lastPass ? { lastPass: this.lastPass } : {}),
      services: this.services.map((s) => {
        const backoff = this.crashes.waiting(s.name, this.deps.now());
        return backoff.length ? { ...s, backoff } : s;
      }),
      hosts: this.hosts,
      held: [...this.held].map(([commit, reason]) => ({ commit, reason })),
      diagnostics: this.loaded?.diagnostics ?? [],
      jobs: this.jobsStatus(),
    };
  }

  /** True when `pod` is one berth stopped or removed itself in the last minute: its die/stop/destroy events are not drift. */
  isOwnChange(pod: string): boolean {
    const t = this.deps.now();
    for (const [p, until] of this.changing) if (until <= t) this.changing.delete(p);
    return this.changing.has(pod);
  }

  /** Runs a pass now, or right after the one in progress. Resolves when no pass is left to run. */
  trigger(reason: string): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (this.running) {
      this.again = reason;
      return this.running;
    }
    this.running = (async () => {
      let next: string | undefined = reason;
      while (next && !this.stopping) {
        this.again = undefined;
        await this.pass(next).catch((err: unknown) => this.deps.log.error({ err }, "reconcile pass failed"));
        next = this.again;
      }
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops taking new passes and waits for the one in progress to finish its apply. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retry);
    this.stopSignal.abort();
    await this.running;
  }

  private desired(): Loaded | undefined {
    const l = this.loaded;
    if (l?.fleet && !this.held.has(l.commit.sha)) return l;
    return this.good;
  }

  /**
   * The hosts in git and those that left it, connected. A host whose
   * endpoint did not change keeps its connection and its backoff when the
   * set changes around it (a host that left git is forgotten, another added).
   */
  private hostsFor(specs: readonly HostSpec[]): ConnectedHosts {
    const left = reachableDeparted({ inGit: specs, operator: this.deps.operator }, this.record, (m) => {
      // Every pass asks again; the operator is told once per process.
      if (this.warned.has(m)) return;
      this.warned.add(m);
      this.deps.log.warn(m);
    });
    const hostKey = (h: HostSpec) => JSON.stringify([h.name, h.endpoint, h.tls, h.insecure]);
    const key = JSON.stringify([specs.map(hostKey), left.map(hostKey)]);
    if (this.connected?.key !== key) {
      const connected = (this.deps.connect ?? ((s, l) => connectHosts(s, process.env, l, this.deps.operator.config)))(specs, left);
      const before = this.connected?.hosts;
      const same = (name: string) => {
        const a = before?.specs.find((h) => h.name === name);
        const b = connected.specs.find((h) => h.name === name);
        return a !== undefined && b !== undefined && hostKey(a) === hostKey(b) ? before!.hosts.get(name) : undefined;
      };
      const hosts = new Map([...connected.hosts].map(([name, h]) => [name, same(name) ?? new BackedOffHost(h, this.deps.now)]));
      this.connected = { key, hosts: { ...connected, hosts } };
      this.deps.onHosts?.(this.connected.hosts.hosts);
    }
    return this.connected.hosts;
  }

  /** Reads where the source points now and loads that commit if it is new. */
  private async refresh(trigger: string): Promise<void> {
    const { source, log, metrics } = this.deps;
    try {
      const { commit } = await source.resolve();
      this.sourceError = undefined;
      await this.load(commit, trigger);
    } catch (err) {
      if (!(err instanceof GitSourceError)) throw err;
      this.sourceError = err.message;
      metrics.gitFetchErrors.inc({ code: err.code });
      log.warn({ code: err.code, reaction: err.reaction }, err.message);
      // Started while the remote is down: converge to the commit the cache holds.
      if (!this.loaded) {
        const last = await source.lastGood().catch(() => undefined);
        if (last) {
          log.warn({ commit: last.commit }, "using the last commit fetched before, until the remote answers");
          await this.load(last.commit, trigger).catch((e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, "the cached commit cannot be read"));
        }
      }
    }
  }

  private async load(commit: string, trigger: string): Promise<void> {
    const { source, log, metrics } = this.deps;
    if (commit === this.loaded?.commit.sha) return;
    const snap = await source.checkout(commit);
    const result = loadFleet(snap, { ...(this.deps.subPath ? { subPath: this.deps.subPath } : {}), operator: this.deps.operator });
    if (result.ok) {
      this.loaded = { commit: snap.commit, fleet: result.fleet, diagnostics: [] };
      log.info({ commit, message: snap.commit.message }, "new commit");
    } else {
      const diagnostics = result.diagnostics.map((d) => formatDiagnostic(d));
      this.loaded = { commit: snap.commit, diagnostics };
      metrics.invalidCommits.inc();
      log.error({ commit, diagnostics }, "commit does not validate; the fleet stays at the last good commit");
      this.journal(trigger, snap.commit, { result: "invalid", services: [], reason: diagnostics.slice(0, 5).join("\n"), ms: 0 });
    }
  }

  private journal(trigger: string, commit: CommitInfo, rest: Pick<JournalEntry, "result" | "services" | "ms"> & { reason?: string }): void {
    try {
      appendJournal(this.deps.stateDir, {
        at: new Date(this.deps.now()).toISOString(),
        owner: this.deps.owner,
        commit: commit.sha,
        author: commit.author,
        message: commit.message,
        committedAt: new Date(commit.time).toISOString(),
        trigger,
        ...rest,
      });
    } catch (err) {
      this.deps.log.warn({ err }, "could not write the deployment journal");
    }
  }

  /**
   * After a restart, the last good commit is the record's: loaded again
   * when the newest commit cannot be used (held or invalid), so the fleet is
   * kept at it, healed included, instead of left alone.
   */
  private async restoreGood(): Promise<void> {
    const sha = this.record?.commit;
    const l = this.loaded;
    if (this.good || !sha || this.record?.fromCommit || !l || sha === l.commit.sha || (l.fleet && !this.held.has(l.commit.sha))) return;
    try {
      const snap = await this.deps.source.checkout(sha);
      const result = loadFleet(snap, { ...(this.deps.subPath ? { subPath: this.deps.subPath } : {}), operator: this.deps.operator });
      if (result.ok) this.good = { commit: snap.commit, fleet: result.fleet, diagnostics: [] };
    } catch (err) {
      this.deps.log.warn({ commit: sha, err: err instanceof Error ? err.message : String(err) }, "the last good commit of the deployment record cannot be read");
    }
  }

  /** Writes the deployment record from an observation; a failure to write is logged, not fatal. */
  private saveRecord(target: Loaded, applied: boolean, look: PlannedFleet, planned?: readonly SlotRecord[]): void {
    const connected = this.connected?.hosts;
    if (!target.fleet || !connected) return;
    try {
      this.record = saveRecord(
        {
          stateDir: this.deps.stateDir,
          owner: this.deps.owner,
          now: this.deps.now(),
          fleet: target.fleet,
          commit: target.commit.sha,
          applied,
          ...(this.record ? { previous: this.record } : {}),
          connected,
          ...(planned ? { planned } : {}),
          held: [...this.held].map(([commit, reason]) => ({ commit, reason })),
        },
        look,
      );
    } catch (err) {
      this.deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, "could not write the deployment record");
    }
  }

  /** Holds a commit that must not be applied as it stands (a refused plan): the fleet stays as it is until a newer commit. */
  private hold(target: Loaded, reason: string, trigger: string, t0: number): void {
    const { log, metrics, now } = this.deps;
    if (!this.held.has(target.commit.sha)) {
      this.held.set(target.commit.sha, reason);
      log.error({ commit: target.commit.sha, reason }, "commit refused; the fleet stays as it is until a newer commit arrives");
      metrics.applies.inc({ result: "refused" });
      this.journal(trigger, target.commit, { result: "refused", services: [], reason, ms: now() - t0 });
    }
    this.lastPass = { at: new Date(t0).toISOString(), trigger, ms: now() - t0, result: "refused" };
  }

  /** Counts drift heals: pods created or recreated while git did not change. */
  private countHeals(plan: Plan): void {
    for (const s of plan.services) for (const c of s.changes) if (c.action === "create" || c.action === "recreate") this.deps.metrics.driftHeals.inc({ service: s.name });
  }

  /** Service status from a fresh plan; forgets verified pods that no longer run. */
  private statusOf(plan: Plan): ServiceStatus[] {
    const running = new Set(plan.services.flatMap((s) => s.changes.flatMap((c) => ("from" in c ? [c.from.pod] : []))));
    this.verified = new Set([...this.verified].filter((pod) => running.has(pod)));
    return servicesFromPlan(plan, this.results, this.verified);
  }

  private async pass(trigger: string): Promise<void> {
    const { log, metrics, now } = this.deps;
    const t0 = now();
    const end = metrics.reconcileSeconds.startTimer({ trigger });
    try {
      await this.refresh(trigger);
      await this.restoreGood();
      const target = this.desired();
      if (!target?.fleet) return;
      const connected = this.hostsFor(target.fleet.hosts);
      const look = (now: number) =>
        planFleet({ fleet: target.fleet!, connected, owner: this.deps.owner, commit: target.commit.sha, now, seed: this.deps.seed, hostLostAfterMs: this.deps.operator.config.hostLostAfterMs, ...(this.record ? { record: this.record } : {}) });
      const first = await look(t0);
      const raw = first.plan;
      this.hosts = raw.hosts.map((h) => ({ name: h.name, reachable: h.state !== "unreachable", state: h.state, ...(h.error ? { error: h.error } : {}) }));
      metrics.hostsUp.set(raw.hosts.filter((h) => h.state !== "unreachable").length);
      metrics.hostsDown.set(raw.hosts.filter((h) => h.state === "unreachable").length);
      const plan = this.crashes.filter(raw, t0);
      this.crashes.note(plan, t0);
      const wait = this.crashes.nextRetryMs(raw, t0);
      if (wait !== undefined) {
        log.info({ waitMs: wait }, "a crash-looping pod is backed off; retrying it later");
        clearTimeout(this.retry);
        this.retry = setTimeout(() => void this.trigger("backoff"), wait);
      }
      const isNew = this.good?.commit.sha !== target.commit.sha;
      if (plan.refused) {
        this.services = this.statusOf(raw);
        this.hold(target, plan.refused.message, trigger, t0);
        this.saveRecord(target, false, first);
        return;
      }
      const changing = plan.services.some((s) => s.changes.some((c) => c.action !== "keep" && c.action !== "unplaced" && c.action !== "unknown"));
      if (!changing) {
        this.services = this.statusOf(raw);
        this.saveRecord(target, true, first);
        if (isNew) {
          this.good = target;
          this.journal(trigger, target.commit, { result: "in-sync", services: [], ms: now() - t0 });
        }
        this.lastPass = { at: new Date(t0).toISOString(), trigger, ms: now() - t0, result: "in-sync" };
        return;
      }
      if (!isNew) this.countHeals(plan);
      // While the rollout runs, status shows the services it changes as progressing.
      this.services = this.statusOf(raw);
      // Before anything starts: a crash in the middle leaves no pod the record does not know of.
      this.saveRecord(target, false, first, plannedSlots(plan));
      log.info({ commit: target.commit.sha, trigger, summary: plan.summary }, "applying");
      const deps = this.deps.applyDeps(connected.hosts, (e) => {
        if (e.phase === "ready" && e.pod) this.verified.add(e.pod);
        if ((e.phase === "stop" || e.phase === "remove" || e.phase === "failed") && e.pod) this.changing.set(e.pod, now() + OWN_EVENT_MS);
        log.info({ service: e.service, host: e.host, slot: e.slot, phase: e.phase }, e.message);
      });
      const result = await applyPlan(plan, { ...deps, signal: this.stopSignal.signal });
      // What runs now, observed before anything below changes status: held
      // commits, results and services then change together, never half-way.
      const afterLook = await look(now()).catch((err: unknown) => {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, "observing the fleet after the apply failed; status is refreshed on the next pass");
        return undefined;
      });
      const after = afterLook?.plan;
      for (const s of result.services) this.results.set(s.service, { result: s.result, ...(s.reason ? { reason: s.reason } : {}) });
      const interrupted = result.services.some((s) => s.result === "interrupted");
      const failed = result.services.filter((s) => s.result !== "converged" && s.result !== "interrupted");
      const outcome: JournalEntry["result"] =
        failed.length > 0
          ? failed.some((s) => s.result === "rolled-back") ? "rolled-back" : failed.some((s) => s.result === "paused") ? "paused" : "failed"
          : interrupted ? "interrupted" : result.ok ? "converged" : "failed";
      metrics.applies.inc({ result: outcome });
      if (interrupted && failed.length === 0) {
        // Neither good nor held: the next start picks the commit up where this one stopped.
        log.info({ commit: target.commit.sha }, "rollout interrupted by shutdown; the next start finishes it");
      } else if (failed.length === 0) {
        this.good = target;
      } else if (isNew) {
        const reason = failed.map((s) => `${s.service}: ${s.reason ?? s.result}`).join("; ");
        this.held.set(target.commit.sha, reason);
        log.error({ commit: target.commit.sha, reason }, "rollout failed; the commit is held until a newer one arrives");
      }
      // Written once held commits are known: a restart neither retries a held commit nor forgets the last good one.
      if (afterLook) this.saveRecord(target, result.services.every((s) => s.result === "converged"), afterLook);
      this.journal(trigger, target.commit, { result: outcome, services: result.services.map((s) => ({ name: s.service, result: s.result, ...(s.reason ? { reason: s.reason } : {}) })), ms: now() - t0 });
      if (after) this.services = this.statusOf(after);
      this.lastPass = { at: new Date(t0).toISOString(), trigger, ms: now() - t0, result: outcome };
    } finally {
      end();
    }
  }
}
