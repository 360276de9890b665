/**
 * One reconcile pass, and the rules between passes. A pass is level-based:
 * it re-reads git and every engine, so a daemon killed at any point picks up
 * where the fleet is. It is an ordered list of named steps (PASS_STEPS,
 * below), stopping at the first that ends the pass or fails:
 *
 *   refresh source → choose target (the newest valid commit, unless it is
 *   held) → observe → plan → apply → record (the result, held commits, and
 *   where pods run now: the deployment record, reconciler/record/)
 *
 * What happens on a failure is decided from its reaction alone
 * (model/berth-error.ts). A pass returns when to look again instead of
 * scheduling timers; the daemon keeps the one timer. Passes never overlap:
 * a trigger during a pass runs one more pass after it.
 */
import type { Fleet, HostSpec } from "../model/fleet.ts";
import { formatDiagnostic } from "../load/diagnostic.ts";
import { loadOnThisThread, type FleetLoader } from "../load/fleet-loader.ts";
import type { DockerHost, HostObservation } from "../docker/types.ts";
import type { OperatorRules } from "../load/check-operator.ts";
import type { AutoscaledCount, DeployedRecord, SlotRecord } from "../model/deployed.ts";
import { autoscaledReplicas } from "../autoscale/autoscaled-fleet.ts";
import type { ObservedContainer } from "../docker/types.ts";
import type { LastLook } from "./resync-sweep.ts";
import type { ServiceSpec } from "../model/fleet.ts";
import { connectHosts, type ConnectedHosts } from "../pipeline/connect-hosts.ts";
import { proxiesToPush } from "../traffic/routes.ts";
import { lostInMs } from "../plan/host-lost.ts";
import { planFleet, type PlannedFleet } from "../pipeline/plan-fleet.ts";
import { plannedSlots, reachableDeparted, saveRecord } from "../pipeline/plan-from-record.ts";
import type { StateStore } from "../record/state-store.ts";
import type { Leadership } from "../lease/leadership.ts";
import { fencedHost } from "../lease/fenced-host.ts";
import type { Plan, ServicePlan } from "../plan/types.ts";
import { applyPlan, type ApplyDeps } from "../rollout/apply-plan.ts";
import type { ApplyResult, RolloutEvent, ServiceResult } from "../rollout/events.ts";
import type { GitSource, CommitInfo } from "../source/types.ts";
import { GitSourceError } from "../source/errors.ts";
import type { JournalEntry } from "../model/journal.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import { CrashBackoff } from "./crash-backoff.ts";
import { BackedOffHost } from "./host-backoff.ts";
import { hostsOf, podsCreatedAt, servicesFromPlan, withDraining, withNextRuns, type DaemonStatus, type ServiceStatus } from "./status.ts";
import { RolloutProgress } from "./rollout-progress.ts";

export interface ReconcilerDeps {
  readonly source: GitSource;
  readonly owner: string;
  /** The record and the journal: the state folder, or etcd with `--lock`. */
  readonly store: StateStore;
  /** Who may write (absent: this instance alone, always). A follower observes and plans for its status, and writes nothing. */
  readonly leadership?: Leadership;
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
  /** How a commit is loaded (default: loadFleet on this thread); the daemon loads on a LoadThread, so that its event loop stays free. */
  readonly loader?: FleetLoader;
  /**
   * True while every host's event stream is open (EngineEvents.allLive).
   * Then a poll that brought no new commit, after a pass that found the
   * fleet in sync, asks no engine anything: the streams would have said if
   * a pod changed, and `--resync` looks anyway (issue 16). Without it,
   * every poll observes.
   */
  readonly eventsLive?: () => boolean;
}

interface Loaded {
  readonly commit: CommitInfo;
  readonly fleet?: Fleet;
  readonly diagnostics: readonly string[];
}

/** How long after berth stops or removes a pod its engine events are taken as berth's own. */
const OWN_EVENT_MS = 60_000;

export class Reconciler {
  private running: Promise<PassOutcome> | undefined;
  private again: string | undefined;
  private stopping = false;
  private loaded: Loaded | undefined;
  /** The commit berth converges to when the newest cannot be used (held, invalid): the last one that was not at fault. */
  private good: Loaded | undefined;
  /** The commit every host was last seen converged to (status' commitApplied); unset while berth waits for a host or the registry. */
  private applied: string | undefined;
  private readonly held = new Map<string, string>();
  private connected: { key: string; hosts: ConnectedHosts } | undefined;
  private readonly crashes = new CrashBackoff();
  /** Aborted by stop(): the apply under way finishes its steps in progress and starts no new one. */
  private readonly stopSignal = new AbortController();
  /** Aborted when leadership is lost during an apply: as a stop, and its writes are fenced besides. */
  private leaseSignal = new AbortController();
  /** False until the record and journal are read from the store, and again after this instance takes over as leader. */
  private restored = false;
  private readonly results = new Map<string, { result: string; reason?: string; error?: { code: string; reaction: string } }>();
  /** Pods berth itself is stopping or removing, until when: their engine events are not drift. */
  private readonly changing = new Map<string, number>();
  /** Pods that passed berth's own probe in a rollout; see servicesFromPlan. */
  private verified = new Set<string>();
  /** Pods a rollout took out of every proxy (its drain events), until they no longer run; see withDraining. */
  private draining = new Set<string>();
  private sourceError: string | undefined;
  private lastPass: DaemonStatus["lastPass"];
  private services: ServiceStatus[] = [];
  private hosts: DaemonStatus["hosts"] = [];
  private readonly warned = new Set<string>();
  /** Where berth deployed what, as last written to the state folder. */
  private record: DeployedRecord | undefined;
  /** Autoscaled services' counts: the controller's, kept in the record (autoscale/). */
  private autoscaled: Record<string, AutoscaledCount> = {};
  /** This owner's containers as the last observation saw them (the autoscaler measures these). */
  observed: readonly ObservedContainer[] = [];
  /** Each host as the last observation saw it, numbered by observation, for the resync sweep (lastLook). */
  private looks: { readonly n: number; readonly byHost: ReadonlyMap<string, HostObservation> } = { n: 0, byHost: new Map() };
  /** True while an apply runs: autoscaling waits for it. */
  applying = false;
  /** The autoscaler's latest look at a service's metrics, for status. */
  autoscaleLatest: (service: string) => { at: string; reason: string } | undefined = () => undefined;
  jobsStatus: () => DaemonStatus["jobs"] = () => [];
  /** The rollout under way or the last one, for the fleet view (reconciler/web/). */
  private readonly rollout = new RolloutProgress();
  /** The newest journal entries, for the fleet view: read once at start, then kept as they are written. */
  private history: JournalEntry[];

  constructor(private readonly deps: ReconcilerDeps) {
    this.history = [];
  }

  /**
   * What the loop must know after a restart or a change of leader (DESIGN
   * §1): the record (where berth deployed, the commits it held, the last
   * good one, restored in pass) and the newest journal entries. A record
   * that cannot be read is treated as absent; a store that cannot be asked
   * ends the pass, and the next one asks again.
   */
  private async restore(): Promise<void> {
    const { store, log } = this.deps;
    const { record, problem } = await store.readRecord();
    if (problem) log.warn(problem);
    try {
      this.history = (await store.readJournal()).slice(-HISTORY_SHOWN);
    } catch (err) {
      // Only people read it: an unreadable journal shows no history, and the loop goes on.
      log.warn({ err: err instanceof Error ? err.message : String(err) }, "could not read the deployment journal");
    }
    this.record = record;
    this.autoscaled = { ...(record?.autoscaled ?? {}) };
    this.held.clear();
    for (const h of record?.held ?? []) this.held.set(h.commit, h.reason);
    // Taken up again from the record: the last good commit (restoreGood), and whether every host converged.
    this.good = undefined;
    this.applied = undefined;
    this.restored = true;
  }

  /** True while this instance leads. */
  private leads(): boolean {
    return this.deps.leadership?.state().leader ?? true;
  }

  /** Set by a pass that began as leader, from the store's state: one elected mid-pass writes from the next pass on, not with a follower's stale view. */
  private writable = false;

  /** True while this pass may write to the engines and the store. */
  private mayWrite(): boolean {
    return this.writable && this.leads();
  }

  /** True while this instance may write: the autoscaler decides only then. */
  mayScale(): boolean {
    return this.mayWrite();
  }

  /** The count an autoscaled service runs at now: the last decision within git's bounds, else git's `replicas`. */
  replicasOf(svc: ServiceSpec): number {
    return svc.autoscale ? autoscaledReplicas(svc.autoscale, svc.replicas, this.autoscaled[svc.name]) : svc.replicas;
  }

  /**
   * An autoscaling decision (autoscale/): journalled and kept for the
   * record's next write; the pass the caller runs next carries it out like
   * any change of `replicas`.
   */
  async scale(service: string, from: number, to: number, reason: string): Promise<void> {
    const target = this.desired();
    if (!this.mayWrite() || !target) return;
    this.autoscaled = { ...this.autoscaled, [service]: { replicas: to, at: new Date(this.deps.now()).toISOString(), reason } };
    await this.journal("autoscale", target.commit, { result: "scaled", services: [{ name: service, result: "scaled", reason: `${from} → ${to}: ${reason}` }], reason: `${service} ${from} → ${to}: ${reason}`, ms: 0 });
  }

  /** This instance was elected: the next pass starts from what the store says, as a new leader must. */
  tookOver(): void {
    this.restored = false;
    this.leaseSignal = new AbortController();
  }

  /** This instance lost its lease: the apply under way starts no new step (and its writes are fenced besides). */
  leadershipLost(): void {
    this.writable = false;
    this.leaseSignal.abort();
  }

  /** The fleet berth converges to now (for the job runner). */
  get fleet(): Fleet | undefined {
    return this.desired()?.fleet;
  }

  /** The commit of that fleet. */
  get commit(): string | undefined {
    return this.desired()?.commit.sha;
  }

  /** The connected hosts, their writes fenced by the leadership (jobs write through these). */
  get hostMap(): ReadonlyMap<string, DockerHost> {
    const hosts = this.connected?.hosts.hosts ?? new Map<string, DockerHost>();
    return this.fenced(hosts);
  }

  private fencedFor: { hosts: ReadonlyMap<string, DockerHost>; fenced: ReadonlyMap<string, DockerHost> } | undefined;

  private fenced(hosts: ReadonlyMap<string, DockerHost>): ReadonlyMap<string, DockerHost> {
    const leadership = this.deps.leadership;
    if (!leadership) return hosts;
    if (this.fencedFor?.hosts !== hosts) this.fencedFor = { hosts, fenced: new Map([...hosts].map(([n, h]) => [n, fencedHost(h, leadership)])) };
    return this.fencedFor.fenced;
  }

  status(): DaemonStatus {
    return {
      owner: this.deps.owner,
      leader: this.leads(),
      ...(this.deps.leadership ? { leadership: this.deps.leadership.state() } : {}),
      source: {
        identity: this.deps.source.identity,
        ...(this.loaded ? { commitSeen: this.loaded.commit.sha } : {}),
        ...(this.applied ? { commitApplied: this.applied } : {}),
        ...(this.good && this.good.commit.sha !== this.applied ? { commitConverging: this.good.commit.sha } : {}),
        ...(this.sourceError ? { error: this.sourceError } : {}),
      },
      ...(this.lastPass ? { lastPass: this.lastPass } : {}),
      services: withDraining(this.services, this.draining).map((s) => {
        const backoff = this.crashes.waiting(s.name, this.deps.now());
        const latest = s.autoscale ? this.autoscaleLatest(s.name) : undefined;
        return { ...s, ...(backoff.length ? { backoff } : {}), ...(latest && s.autoscale ? { autoscale: { ...s.autoscale, latest } } : {}) };
      }),
      hosts: this.hosts,
      held: [...this.held].map(([commit, reason]) => ({ commit, reason })),
      diagnostics: this.loaded?.diagnostics ?? [],
      jobs: withNextRuns(this.jobsStatus(), this.fleet?.jobs ?? [], this.deps.now()),
      rollout: this.rollout.snapshot(),
      history: this.history,
    };
  }

  private sawHosts(observations: readonly HostObservation[]): void {
    this.observed = observations.flatMap((o) => (o.ok ? o.containers : []));
    this.looks = { n: this.looks.n + 1, byHost: new Map(observations.map((o) => [o.host, o])) };
  }

  /**
   * What the last observation saw of `host`, for the resync sweep to
   * compare with; undefined while a pass runs (it is about to see anew) or
   * for a host no observation looked at.
   */
  lastLook(host: string): LastLook | undefined {
    if (this.running) return undefined;
    const o = this.looks.byHost.get(host);
    if (!o) return undefined;
    return { pass: this.looks.n, reachable: o.ok, containers: o.ok ? o.containers : [] };
  }

  /** True when `pod` is one berth stopped or removed itself in the last minute: its die/stop/destroy events are not drift. */
  isOwnChange(pod: string): boolean {
    const t = this.deps.now();
    for (const [p, until] of this.changing) if (until <= t) this.changing.delete(p);
    return this.changing.has(pod);
  }

  /**
   * Runs a pass now, or right after the one in progress. Resolves when no
   * pass is left to run, with when the last one wants to look again (the
   * caller keeps the timer: the loop schedules none of its own).
   */
  trigger(reason: string): Promise<PassOutcome> {
    if (this.stopping) return Promise.resolve({});
    if (this.running) {
      this.again = reason;
      return this.running;
    }
    this.running = (async () => {
      let next: string | undefined = reason;
      let outcome: PassOutcome = {};
      while (next && !this.stopping) {
        this.again = undefined;
        outcome = await this.pass(next).catch((err: unknown): PassOutcome => {
          this.deps.log.error({ err }, "reconcile pass failed");
          return {};
        });
        next = this.again;
      }
      return outcome;
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops taking new passes and waits for the one in progress to finish its apply. */
  async stop(): Promise<void> {
    this.stopping = true;
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
    const result = await (this.deps.loader ?? loadOnThisThread).load(snap, { ...(this.deps.subPath ? { subPath: this.deps.subPath } : {}), operator: this.deps.operator });
    if (result.ok) {
      this.loaded = { commit: snap.commit, fleet: result.fleet, diagnostics: [] };
      log.info({ commit, message: snap.commit.message }, "new commit");
    } else {
      const diagnostics = result.diagnostics.map((d) => formatDiagnostic(d));
      this.loaded = { commit: snap.commit, diagnostics };
      metrics.invalidCommits.inc();
      log.error({ commit, diagnostics }, "commit does not validate; the fleet stays at the last good commit");
      await this.journal(trigger, snap.commit, { result: "invalid", services: [], reason: diagnostics.slice(0, 5).join("\n"), ms: 0 });
    }
  }

  /** Appends to the journal; only the leader keeps it (a follower's pass decided nothing). */
  private async journal(trigger: string, commit: CommitInfo, rest: Pick<JournalEntry, "result" | "services" | "ms"> & { reason?: string }): Promise<void> {
    if (!this.mayWrite()) return;
    const entry: JournalEntry = { at: new Date(this.deps.now()).toISOString(), owner: this.deps.owner, commit: commit.sha, author: commit.author, message: commit.message, committedAt: new Date(commit.time).toISOString(), trigger, ...rest };
    this.history = [...this.history.slice(1 - HISTORY_SHOWN), entry];
    try {
      await this.deps.store.appendJournal(entry);
    } catch (err) {
      this.deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, "could not write the deployment journal");
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
      const result = await (this.deps.loader ?? loadOnThisThread).load(snap, { ...(this.deps.subPath ? { subPath: this.deps.subPath } : {}), operator: this.deps.operator });
      if (result.ok) this.good = { commit: snap.commit, fleet: result.fleet, diagnostics: [] };
    } catch (err) {
      this.deps.log.warn({ commit: sha, err: err instanceof Error ? err.message : String(err) }, "the last good commit of the deployment record cannot be read");
    }
  }

  /** Writes the deployment record from an observation, when this instance leads; a failure to write is logged, not fatal. */
  private async saveRecord(target: Loaded, applied: boolean, look: PlannedFleet, planned?: readonly SlotRecord[]): Promise<void> {
    const connected = this.connected?.hosts;
    if (!target.fleet || !connected || !this.mayWrite()) return;
    try {
      this.record = await saveRecord(
        {
          store: this.deps.store,
          owner: this.deps.owner,
          now: this.deps.now(),
          fleet: target.fleet,
          commit: target.commit.sha,
          applied,
          ...(this.record ? { previous: this.record } : {}),
          connected,
          ...(planned ? { planned } : {}),
          held: [...this.held].map(([commit, reason]) => ({ commit, reason })),
          autoscaled: this.autoscaled,
        },
        look,
      );
    } catch (err) {
      this.deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, "could not write the deployment record");
    }
  }

  /** Holds a commit that must not be applied as it stands (a refused plan): the fleet stays as it is until a newer commit. */
  private async hold(target: Loaded, reason: string, trigger: string, t0: number): Promise<void> {
    const { log, metrics, now } = this.deps;
    if (!this.held.has(target.commit.sha)) {
      this.held.set(target.commit.sha, reason);
      log.error({ commit: target.commit.sha, reason }, "commit refused; the fleet stays as it is until a newer commit arrives");
      metrics.applies.inc({ result: "refused" });
      await this.journal(trigger, target.commit, { result: "refused", services: [], reason, ms: now() - t0 });
    }
    this.lastPass = { at: new Date(t0).toISOString(), trigger, ms: now() - t0, result: "refused" };
  }

  /** Counts drift heals: pods created or recreated while git did not change. */
  private countHeals(plan: Plan): void {
    for (const s of plan.services) for (const c of s.changes) if (c.action === "create" || c.action === "recreate") this.deps.metrics.driftHeals.inc({ service: s.name });
  }

  /** Service status from a fresh plan; forgets verified pods that no longer run. */
  private statusOf({ plan, observations }: PlannedFleet): ServiceStatus[] {
    const running = new Set(plan.services.flatMap((s) => s.changes.flatMap((c) => ("from" in c ? [c.from.pod] : []))));
    this.verified = new Set([...this.verified].filter((pod) => running.has(pod)));
    this.draining = new Set([...this.draining].filter((pod) => running.has(pod)));
    const addresses = new Map([...this.hostMap].map(([name, h]) => [name, h.address]));
    return servicesFromPlan(plan, this.results, { verified: this.verified, addresses, createdAt: podsCreatedAt(observations) });
  }

  /**
   * One pass: the named steps in order, stopping at the first that ends the
   * pass or throws. Returns when to look again by itself (a crash-looping
   * pod's backoff, a host or registry berth waits for), not a timer.
   */
  private async pass(trigger: string): Promise<PassOutcome> {
    const { log, metrics, now } = this.deps;
    const p: Pass = { trigger, t0: now() };
    const end = metrics.reconcileSeconds.startTimer({ trigger });
    try {
      for (const step of PASS_STEPS) {
        let goOn: boolean;
        try {
          goOn = await step.run(this, p);
        } catch (err) {
          // Stopping drops a load under way: that is the stop, not a failure.
          if (this.stopping) log.info({ step: step.name }, `pass left at step "${step.name}": berth is stopping`);
          else log.error({ err, step: step.name }, `reconcile pass failed at step "${step.name}"`);
          return p.lookAgainMs !== undefined ? { lookAgainMs: p.lookAgainMs } : {};
        }
        if (!goOn) break;
      }
      return p.lookAgainMs !== undefined ? { lookAgainMs: p.lookAgainMs } : {};
    } finally {
      end();
    }
  }

  /** Step "refresh source": the ref resolved, a new commit loaded; after a restart, the record's last good commit too. */
  async refreshSource(p: Pass): Promise<boolean> {
    if (!this.restored) await this.restore();
    this.writable = this.leads();
    await this.refresh(p.trigger);
    await this.restoreGood();
    return true;
  }

  /** Step "choose target": the newest valid commit unless it is held, else the last good one; none, nothing to do. */
  async chooseTarget(p: Pass): Promise<boolean> {
    const target = this.desired();
    if (!target?.fleet) return false;
    // While berth waits for a host or the registry, a poll that brought no new commit does not try again before the backoff says.
    if (p.trigger === "poll" && this.waitingFor?.commit === target.commit.sha && p.t0 < this.waitingFor.until) return false;
    if (this.quietPoll(p, target)) return false;
    p.target = target;
    return true;
  }

  /**
   * A poll with nothing to look at: the commit is the one the last pass
   * found in sync (not waiting for a host, not following), and every
   * engine's event stream is open. It costs no engine request, at any
   * number of hosts; the status says when the fleet was last observed.
   */
  private quietPoll(p: Pass, target: Loaded): boolean {
    if (p.trigger !== "poll" || !this.deps.eventsLive?.() || this.applied !== target.commit.sha || this.lastPass?.result !== "in-sync") return false;
    this.lastPass = { ...this.lastPass, quietPolls: (this.lastPass.quietPolls ?? 0) + 1 };
    return true;
  }

  /** Step "observe": every host of the target looked at once. */
  async observe(p: Pass): Promise<boolean> {
    const target = p.target!;
    const connected = this.hostsFor(target.fleet!.hosts);
    p.connected = connected;
    p.look = (at: number) =>
      planFleet({ fleet: target.fleet!, connected, owner: this.deps.owner, commit: target.commit.sha, now: at, seed: this.deps.seed, hostLostAfterMs: this.deps.operator.config.hostLostAfterMs, traffic: this.deps.operator.config.traffic, ...(this.record ? { record: { ...this.record, autoscaled: this.autoscaled } } : {}) });
    p.first = await p.look(p.t0);
    this.sawHosts(p.first.observations);
    const raw = p.first.plan;
    this.hosts = hostsOf(raw, p.first.observations, target.fleet!.hosts);
    return true;
  }

  /** Step "plan": crash-looping pods backed off; a refused plan holds the commit; a plan with nothing to do ends the pass in sync. */
  async makePlan(p: Pass): Promise<boolean> {
    const { log, now } = this.deps;
    const { target, first, trigger, t0 } = p as Required<Pick<Pass, "target" | "first">> & Pass;
    const raw = first.plan;
    const plan = this.crashes.filter(raw, t0);
    this.crashes.note(plan, t0);
    const wait = this.crashes.nextRetryMs(raw, t0);
    if (wait !== undefined) {
      log.info({ waitMs: wait }, "a crash-looping pod is backed off; retrying it later");
      p.lookAgainMs = wait;
    }
    // Hosts in git that were not observed: looked at again when their backoff lets them be tried, so a host that returns converges without a new commit.
    const darkNames = raw.hosts.filter((h) => h.state === "unreachable" && !h.leftGit).map((h) => h.name);
    if (darkNames.length > 0) {
      const gate = Math.min(...darkNames.map((n) => p.connected!.hosts.get(n)).map((h) => (h instanceof BackedOffHost ? h.retryInMs() : 0)));
      // A dark host whose slots move once hostLostAfter has passed: looked at again then, not at the backoff's next try after it.
      const lostIn = darkNames.map((n) => lostInMs(this.record, n, t0, this.deps.operator.config.hostLostAfterMs)).filter((ms): ms is number => ms !== undefined);
      this.waitAgain(p, Math.min(gate, ...lostIn) + HOST_GATE_SLACK_MS);
    }
    p.plan = plan;
    if (plan.refused) {
      this.services = this.statusOf(first);
      await this.hold(target, plan.refused.message, trigger, t0);
      await this.saveRecord(target, false, first);
      return false;
    }
    // A running proxy that routes something else than the plan says is work too: the apply pushes its routes. (One still starting comes with its pod's own change, or is backed off.)
    const changing = plan.services.some(rollsOut) || proxiesToPush(plan.traffic) > 0;
    if (changing) return true;
    this.services = this.statusOf(first);
    await this.saveRecord(target, true, first);
    // With a host not observed, nothing is left to do where berth can see, but the fleet is not known to be in sync.
    const result = p.waited ? "waiting" : "in-sync";
    if (this.good?.commit.sha !== target.commit.sha) {
      this.good = target;
      await this.journal(trigger, target.commit, { result, services: [], ms: now() - t0 });
    }
    if (p.waited) this.applied = undefined;
    else {
      this.doneWaiting();
      this.applied = target.commit.sha;
    }
    this.lastPass = { at: new Date(t0).toISOString(), trigger, ms: now() - t0, result };
    return false;
  }

  /** Step "apply": the plan carried out, with the record written first (a crash mid-way leaves no pod it does not know of). */
  async apply(p: Pass): Promise<boolean> {
    const { log, now } = this.deps;
    const { target, first, plan, connected, trigger } = p as Required<Pick<Pass, "target" | "first" | "plan" | "connected">> & Pass;
    if (!this.mayWrite()) {
      // A follower's pass ends at the plan: its status shows what the leader is to do.
      this.services = this.statusOf(first);
      this.lastPass = { at: new Date(p.t0).toISOString(), trigger, ms: now() - p.t0, result: "following" };
      return false;
    }
    if (this.good?.commit.sha === target.commit.sha) this.countHeals(plan);
    // Each apply's router starts from the plan's routes: what an earlier rollout drained is routed again unless this one drains it.
    this.draining.clear();
    // While the rollout runs, status shows the services it changes as progressing.
    this.services = this.statusOf(first);
    await this.saveRecord(target, false, first, plannedSlots(plan));
    log.info({ commit: target.commit.sha, trigger, summary: plan.summary }, "applying");
    this.rollout.begin(plan, now());
    const deps = this.deps.applyDeps(this.fenced(connected.hosts), (e) => {
      this.rollout.note(e);
      if (e.phase === "ready" && e.pod) this.verified.add(e.pod);
      if (e.phase === "drain" && e.pod) this.draining.add(e.pod);
      // A rollback restarts the old pod and routes it again.
      if (e.phase === "rollback" && e.pod) this.draining.delete(e.pod);
      if ((e.phase === "stop" || e.phase === "remove" || e.phase === "failed") && e.pod) this.changing.set(e.pod, now() + OWN_EVENT_MS);
      log.info({ service: e.service, host: e.host, slot: e.slot, phase: e.phase }, e.message);
    });
    this.applying = true;
    p.result = await applyPlan(plan, { ...deps, signal: AbortSignal.any([this.stopSignal.signal, this.leaseSignal.signal]) }).finally(() => {
      this.applying = false;
      this.rollout.end(now());
    });
    return true;
  }

  /**
   * Step "record": what runs now observed again, and the result decided
   * from the errors' reactions alone: a commit fault (`stalled`, `bug`)
   * holds a new commit; a `retry` (a host lost, the registry down) holds
   * nothing and looks again with backoff; an interrupted rollout is neither
   * good nor held. Held commits, results and status change together.
   */
  async recordResult(p: Pass): Promise<boolean> {
    const { log, metrics, now } = this.deps;
    const { target, look, plan, result, trigger, t0 } = p as Required<Pick<Pass, "target" | "look" | "plan" | "result">> & Pass;
    const afterLook = await look(now()).catch((err: unknown) => {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, "observing the fleet after the apply failed; status is refreshed on the next pass");
      return undefined;
    });
    for (const s of result.services) this.results.set(s.service, { result: s.result, ...(s.reason ? { reason: s.reason } : {}), ...(s.error ? { error: { code: s.error.code, reaction: s.error.reaction } } : {}) });
    const outcome = passOutcome(result);
    metrics.applies.inc({ result: outcome });
    const rolled = new Set(plan.services.filter(rollsOut).map((s) => s.name));
    for (const s of result.services) if (rolled.has(s.service)) metrics.rollouts.inc({ service: s.service, result: s.result });
    if (outcome === "interrupted") {
      // Neither good nor held: the next start picks the commit up where this one stopped.
      log.info({ commit: target.commit.sha }, "rollout interrupted by shutdown; the next start finishes it");
    } else if (outcome === "converged" || outcome === "waiting") {
      this.good = target;
      this.applied = outcome === "converged" ? target.commit.sha : undefined;
      if (outcome === "waiting") {
        this.waitAgain(p);
        log.warn({ commit: target.commit.sha, waitMs: p.lookAgainMs, services: result.services.filter((s) => s.result === "waiting").map((s) => ({ service: s.service, code: s.error?.code, reason: s.reason })) }, "not the commit's fault: berth looks again with backoff; the commit is not held");
      } else if (!p.waited) this.doneWaiting();
    } else if (this.held.has(target.commit.sha) === false && this.good?.commit.sha !== target.commit.sha) {
      const failed = result.services.filter((s) => isCommitFault(s));
      const reason = failed.map((s) => `${s.service}: ${s.reason ?? s.result}`).join("; ");
      this.held.set(target.commit.sha, reason);
      log.error({ commit: target.commit.sha, reason, codes: failed.map((s) => s.error?.code ?? "internal-error") }, "rollout failed; the commit is held until a newer one arrives");
    }
    // Written once held commits are known: a restart neither retries a held commit nor forgets the last good one.
    if (afterLook) await this.saveRecord(target, result.services.every((s) => s.result === "converged"), afterLook);
    await this.journal(trigger, target.commit, { result: outcome, services: result.services.map((s) => ({ name: s.service, result: s.result, ...(s.reason ? { reason: s.reason } : {}), ...(s.error ? { code: s.error.code } : {}) })), ms: now() - t0 });
    if (afterLook) {
      this.sawHosts(afterLook.observations);
      this.services = this.statusOf(afterLook);
      this.hosts = hostsOf(afterLook.plan, afterLook.observations, target.fleet!.hosts);
    }
    this.lastPass = { at: new Date(t0).toISOString(), trigger, ms: now() - t0, result: outcome };
    return true;
  }

  /** Passes in a row that waited for a host or the registry: the next look comes after 2 s, 4 s … 30 s. */
  private waiting = 0;
  /** The commit berth waits to converge, and until when polls leave it alone. */
  private waitingFor: { commit: string; until: number } | undefined;

  /** Asks to look again: after the loop's own backoff, or after `atMs` when a host's backoff says when it is tried (one backoff, not two on top of each other). */
  private waitAgain(p: Pass, atMs?: number): void {
    const ms = atMs ?? Math.min(WAIT_MAX_MS, WAIT_BASE_MS * 2 ** Math.min(this.waiting, 10));
    if (p.lookAgainMs === undefined || ms < p.lookAgainMs) p.lookAgainMs = ms;
    if (!p.waited) {
      p.waited = true;
      this.waiting++;
    }
    if (p.target) this.waitingFor = { commit: p.target.commit.sha, until: p.t0 + p.lookAgainMs };
  }

  /** Nothing is waited for any more: the backoff starts afresh next time. */
  private doneWaiting(): void {
    this.waiting = 0;
    this.waitingFor = undefined;
  }
}

/** What a pass carries from one step to the next. */
interface Pass {
  readonly trigger: string;
  readonly t0: number;
  target?: Loaded;
  connected?: ConnectedHosts;
  look?: (at: number) => Promise<PlannedFleet>;
  first?: PlannedFleet;
  plan?: Plan;
  result?: ApplyResult;
  lookAgainMs?: number;
  /** Set once this pass counted as one that waited (the backoff grows once per pass). */
  waited?: boolean;
}

/** What a pass returns: when to look again by itself, besides polls, engine events and resyncs. */
export interface PassOutcome {
  readonly lookAgainMs?: number;
}

/** The steps of a pass, in order (Flux's reconcile: named steps, stopping at the first error). Each returns false to end the pass. */
const PASS_STEPS: readonly { readonly name: string; readonly run: (r: Reconciler, p: Pass) => Promise<boolean> }[] = [
  { name: "refresh source", run: (r, p) => r.refreshSource(p) },
  { name: "choose target", run: (r, p) => r.chooseTarget(p) },
  { name: "observe", run: (r, p) => r.observe(p) },
  { name: "plan", run: (r, p) => r.makePlan(p) },
  { name: "apply", run: (r, p) => r.apply(p) },
  { name: "record", run: (r, p) => r.recordResult(p) },
];

const WAIT_BASE_MS = 2_000;
/** Journal entries status carries for the fleet view. */
const HISTORY_SHOWN = 20;
/** Looked again this long after a host's backoff opens, so the look is not refused by it. */
const HOST_GATE_SLACK_MS = 100;
const WAIT_MAX_MS = 30_000;

/** A service whose plan changes its pods: the apply rolls it out (keeping, unplaced and unknown slots are no work). */
function rollsOut(s: ServicePlan): boolean {
  return s.changes.some((c) => c.action !== "keep" && c.action !== "unplaced" && c.action !== "unknown");
}

/** A service that did not converge through a fault of the commit's (or of berth's): it holds the commit. */
function isCommitFault(s: ServiceResult): boolean {
  return s.result === "rolled-back" || s.result === "paused" || s.result === "failed";
}

/** The pass's result: a commit fault first, then waiting (a host lost, the registry down, a host not observed), then interrupted. */
function passOutcome(result: ApplyResult): JournalEntry["result"] {
  const failed = result.services.filter(isCommitFault);
  if (failed.length > 0) return failed.some((s) => s.result === "rolled-back") ? "rolled-back" : failed.some((s) => s.result === "paused") ? "paused" : "failed";
  if (result.services.some((s) => s.result === "waiting") || result.failedHosts.length > 0) return "waiting";
  if (result.services.some((s) => s.result === "interrupted")) return "interrupted";
  return result.ok ? "converged" : "waiting";
}
