/**
 * The rollout: carries out a Plan, service by service (several at once).
 * Each service's waves come from plan/steps.ts, the same data `berth plan`
 * prints: a wave's tracks run at the same time, a track's steps in order,
 * and a wave starts once the one before it has finished, except for a stop
 * in the background (steps.ts): the track is done for its wave once that
 * stop has begun, and the rollout waits for it before it removes replaced
 * pods, undoes anything, or ends; a stop that failed there fails its track
 * as it would have in its wave. What this file adds
 * is the bookkeeping: which new pod a gate waits for, which old pods were
 * stopped, and what to undo.
 *
 * A failure is acted on by its reaction (model/berth-error.ts):
 * - the commit's fault (`stalled`: a missing image, never healthy, exits,
 *   deadline passed; or a `bug`): the waves stop and it acts on
 *   `onFailure`: `rollback` restarts the old pods and removes the new ones,
 *   `pause` keeps the slots that finished and puts the failed ones back.
 *   Each slot is undone on its own, best effort; a slot that cannot be put
 *   back is named in the result.
 * - a host that stops answering (`host-unreachable`) is the world's fault:
 *   that host is left out of the rest of the rollout, the other hosts go
 *   on, and the result is `waiting`, naming the hosts that converged and
 *   those that did not. The loop takes them up when they answer.
 * - a registry outage (`retry`): nothing more is started; what was done is
 *   kept, and the result is `waiting`.
 * A plan that is refused (plan.refused) changes nothing.
 */
import pLimit from "p-limit";
import type { PodSpec } from "../model/pod.ts";
import type { DockerHost } from "../docker/types.ts";
import type { Plan, PlanChange, PodRef, ServicePlan, Track, Wave } from "../plan/types.ts";
import { HostUnreachableError } from "../docker/errors.ts";
import { errorInfo, type ErrorInfo } from "../model/berth-error.ts";
import type { Clock } from "./clock.ts";
import type { ApplyResult, RolloutEvent, ServiceResult } from "./events.ts";
import { CrashWatch } from "./crash-watch.ts";
import { waitReady } from "./health-gate.ts";
import { maskError, secretMask, withholdAll, type TextMask } from "./mask-secrets.ts";
import type { Prober } from "./probe.ts";
import type { TrafficRouter } from "../traffic/router.ts";
import { PROXY_SERVICE } from "../traffic/proxy-service.ts";

export interface ApplyDeps {
  readonly hosts: ReadonlyMap<string, DockerHost>;
  readonly clock: Clock;
  readonly prober: Prober;
  /** A fresh, unique pod id (the only randomness of an apply). */
  readonly newPodId: () => string;
  /** Secret values per container name; throws when a reference cannot be resolved. */
  readonly secrets: (spec: PodSpec) => Record<string, Record<string, string>>;
  readonly onEvent?: (e: RolloutEvent) => void;
  /** Services rolled at the same time (default 4). */
  readonly serviceConcurrency?: number;
  /** Aborted when berth is stopping: steps under way finish, no new one starts. */
  readonly signal?: AbortSignal;
  /** The proxies' routes for a plan with exposed services (traffic/router.ts); absent: `route` and `drain` steps do nothing. */
  readonly router?: (plan: Plan) => TrafficRouter;
}

type Replace = Extract<PlanChange, { action: "replace" }>;

interface Launched {
  readonly host: string;
  readonly pod: string;
  readonly slot: number;
  readonly containerIds: readonly string[];
  /** Hides the secret values this pod was launched with in what berth reads back from it. */
  readonly mask: TextMask;
}

/** What one track has done so far, for the rollback. */
interface TrackState {
  launched?: Launched;
  ready: boolean;
  oldStopped: boolean;
  /** The new pod was added to every proxy's routes. */
  routed?: boolean;
  /** The old pod was taken out of every proxy's routes (it may not have stopped). */
  drained?: boolean;
  /** The crash window after the new pod counted (rollout.monitor); settles, never rejects. */
  monitor?: Promise<void>;
  /** Set when the new pod died or turned unhealthy within that window. */
  crashed?: unknown;
}

/** A track's steps from its stop in the background on: under way while later waves run. */
interface Background {
  /** The index of the wave the track is of. */
  readonly wave: number;
  readonly track: Track;
  readonly state: TrackState;
  /** Settles when the steps have ended: with their error, or without one. */
  readonly ended: Promise<{ failed: boolean; error?: unknown }>;
}

/** A track of a wave once it has settled: failed, with the error, or not. */
interface Settled {
  readonly track: Track;
  readonly state: TrackState;
  readonly failed: boolean;
  readonly error?: unknown;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

class ServiceRollout {
  private readonly events: (phase: RolloutEvent["phase"], message: string, host?: string, slot?: number, pod?: string) => void;

  constructor(
    private readonly plan: Plan,
    private readonly svc: ServicePlan,
    private readonly deps: ApplyDeps,
    /** The crash window, shared by the services of this apply (one look per host and poll). */
    private readonly watch: CrashWatch,
    /** The proxies' routes, when the plan has exposed services. */
    private readonly router?: TrafficRouter,
  ) {
    this.events = (phase, message, host, slot, pod) =>
      deps.onEvent?.({ at: deps.clock.now(), service: svc.name, phase, message, ...(host ? { host } : {}), ...(slot !== undefined ? { slot } : {}), ...(pod ? { pod } : {}) });
  }

  private host(name: string): DockerHost {
    const h = this.deps.hosts.get(name);
    if (!h) throw new Error(`host "${name}" of the plan is not known to this apply`);
    return h;
  }

  private get spec(): PodSpec {
    return this.svc.pod!;
  }

  /** A pod stops with the grace period it was created with (a drain it promised), else the desired spec's. */
  private graceMs(ref: PodRef): number {
    return ref.stopGracePeriodMs ?? this.svc.pod?.stopGracePeriodMs ?? 10_000;
  }

  /** Starts a new pod for `slot` on `hostName`. */
  private async launch(hostName: string, slot: number): Promise<Launched> {
    const host = this.host(hostName);
    const pod = this.deps.newPodId();
    this.events("start", `starting pod ${pod}`, hostName, slot, pod);
    // Resolved once per pod: the values that go into its containers are the ones masked in what comes back.
    const secretValues = this.deps.secrets(this.spec);
    const mask = secretMask(secretValues);
    // The engine may quote the environment it refused (runc does for a NUL in a value): its error is masked too.
    const { containers } = await host.launchPod({
      pod,
      owner: this.plan.owner,
      commit: this.plan.commit,
      slot,
      spec: this.spec,
      ...(this.svc.uses ? { uses: this.svc.uses } : {}),
      secretValues,
    }).catch((err: unknown) => Promise.reject(maskError(err, mask)));
    return { host: hostName, pod, slot, containerIds: containers.map((c) => c.id), mask };
  }

  /** Waits until a launched pod counts as ready; removes it if it does not. */
  private async gate(l: Launched, state: TrackState): Promise<void> {
    const host = this.host(l.host);
    const rollout = this.svc.rollout!;
    const input = { host, pod: l.pod, spec: this.spec, containerIds: l.containerIds, deadline: this.deps.clock.now() + rollout.progressDeadlineMs, minReadyMs: rollout.minReadyMs, mask: l.mask };
    try {
      await waitReady(input, this.deps.clock, this.deps.prober);
    } catch (err) {
      this.events("failed", errorText(err), l.host, l.slot, l.pod);
      await host.removePod(this.plan.owner, l.pod).catch(() => undefined);
      throw err;
    }
    this.events("ready", `pod ${l.pod} is ready`, l.host, l.slot, l.pod);
    // The crash window runs alongside the next steps and waves; the rollout ends only once it has passed.
    const monitorMs = rollout.monitorMs ?? 0;
    if (monitorMs > 0) {
      const watch = { host, pod: l.pod, containers: this.spec.containers.map((c) => c.name), until: this.deps.clock.now() + monitorMs, mask: l.mask, stop: () => this.failing };
      state.monitor = this.watch.watch(watch).catch((err: unknown) => {
        state.crashed = err;
        this.failing = true;
        this.events("failed", errorText(err), l.host, l.slot, l.pod);
      });
    }
  }

  /** Waits out every crash window still open, and returns the tracks whose new pod crashed in one. */
  private async crashed(watched: readonly { track: Track; state: TrackState }[], wait: boolean): Promise<{ track: Track; state: TrackState }[]> {
    if (wait) await Promise.all(watched.map((w) => w.state.monitor));
    return watched.filter((w) => w.state.crashed !== undefined);
  }

  private async stop(ref: PodRef, onStopping?: () => void): Promise<void> {
    if (this.svc.name === PROXY_SERVICE) this.router?.proxyDown(ref.host);
    this.events("stop", `stopping pod ${ref.pod}`, ref.host, ref.slot, ref.pod);
    await this.host(ref.host).stopPod(this.plan.owner, ref.pod, this.graceMs(ref), onStopping);
  }

  private async remove(ref: { host: string; pod: string; slot: number }, why: string): Promise<void> {
    this.events("remove", `removing pod ${ref.pod} (${why})`, ref.host, ref.slot, ref.pod);
    await this.host(ref.host).removePod(this.plan.owner, ref.pod);
  }

  /** Adds a launched pod to every proxy, at the host ports the engine gave it. */
  private async routeNew(l: Launched): Promise<void> {
    if (!this.router) return;
    const status = await this.host(l.host).status(l.containerIds[0]!);
    this.events("route", `routing pod ${l.pod} on every proxy`, l.host, l.slot, l.pod);
    await this.router.route(this.svc.name, { host: l.host, slot: l.slot, pod: l.pod, ports: status?.ports ?? [] });
  }

  /**
   * The mask for an old pod's output. The values it was launched with are not
   * known; the spec's, resolved now, are the likely ones (the same references,
   * unless a value was rotated). When they cannot be resolved — the very
   * failure a rollback may be undoing — its output is withheld, not shown.
   */
  private oldPodMask(): TextMask {
    try {
      return secretMask(this.deps.secrets(this.spec));
    } catch {
      return withholdAll;
    }
  }

  /** Brings a stopped old pod back and waits for it, for rollbacks. */
  private async restore(ref: PodRef): Promise<void> {
    const host = this.host(ref.host);
    this.events("rollback", `restarting previous pod ${ref.pod}`, ref.host, ref.slot, ref.pod);
    await host.startPod(this.plan.owner, ref.pod);
    const old: PodSpec = this.spec;
    const rollout = this.svc.rollout!;
    // The old pod's own spec is not needed to judge it: the engine's health
    // (or running) is enough, so probe it as an image-health pod.
    await waitReady(
      { host, pod: ref.pod, spec: { ...old, health: { kind: "image" }, containers: old.containers.slice(0, 1) }, containerIds: ref.containers.filter((c) => c.container === "main").map((c) => c.id), deadline: this.deps.clock.now() + rollout.progressDeadlineMs, minReadyMs: 0, mask: this.oldPodMask() },
      this.deps.clock,
      this.deps.prober,
    );
  }

  /** The plan's existing pods by id (what a stop or remove step needs: host, grace, status), and each slot's replacement. */
  private readonly refs = new Map<string, PodRef>();
  private readonly replaceOf = new Map<number, Replace>();
  /** Why each existing pod is removed, by pod id (one slot can have a recreate and a duplicate). */
  private readonly removeWhy = new Map<string, string>();
  private finished = false;
  /** Set once the rollout is failing: open crash windows stop watching. */
  private failing = false;

  private ref(pod: string): PodRef {
    const r = this.refs.get(pod);
    if (!r) throw new Error(`pod ${pod} of a step is not in the plan's changes`);
    return r;
  }

  /** Tracks' stops in the background (and any steps after them), not yet judged. */
  private background: Background[] = [];
  /** Set once one of them has failed. */
  private backgroundFailed = false;

  /**
   * Carries out one track's steps in order, up to a stop in the background,
   * which goes on after the track is done (see `background`): the track is
   * done once the old pod's main container has been told to stop (its
   * sidecars, stopped first, have stopped by then), or the stop has ended.
   * The track's new pod (launch, then gate) and whether its old pod was
   * stopped are kept in `state` for the rollback.
   */
  private async runTrack(wave: number, track: Track, state: TrackState): Promise<void> {
    const split = track.steps.findIndex((s) => s.background);
    if (split < 0) return this.runSteps(track.steps, state);
    await this.runSteps(track.steps.slice(0, split), state);
    let stopping!: () => void;
    const begun = new Promise<void>((resolve) => (stopping = resolve));
    const ended = this.runSteps(track.steps.slice(split), state, stopping).then(
      () => ({ failed: false }),
      (error: unknown) => {
        this.backgroundFailed = true;
        return { failed: true, error };
      },
    );
    this.background.push({ wave, track, state, ended });
    await Promise.race([begun, ended]);
  }

  /**
   * Waits until the stops in the background of the waves before `wave`
   * have ended (they are judged later, with the rest): a stop lets the next
   * wave start, not the one after it, so at most one wave's old pods are
   * still stopping beside the pods it launches.
   */
  private async stopsBefore(wave: number): Promise<void> {
    await Promise.all(this.background.filter((b) => b.wave < wave).map((b) => b.ended));
  }

  /**
   * On the way out of a failure or an interruption: waits for the stops in
   * the background, whatever their outcome, and loses the host of one that
   * stopped answering, so that what follows leaves that host out.
   */
  private async stopsEnded(): Promise<void> {
    for (const e of await this.backgroundEnded()) if (e.failed && e.error instanceof HostUnreachableError) this.loseHost(e.error);
  }

  /** Waits until every stop in the background has ended; returns those not judged yet, and forgets them. */
  private async backgroundEnded(): Promise<Settled[]> {
    const pending = this.background;
    this.background = [];
    this.backgroundFailed = false;
    return Promise.all(pending.map(async (b) => ({ track: b.track, state: b.state, ...(await b.ended) })));
  }

  /** `onStopping`: for a stop in the background, told when the old pod's main container has been told to stop. */
  private async runSteps(steps: readonly Track["steps"][number][], state: TrackState, onStopping?: () => void): Promise<void> {
    for (const step of steps) {
      switch (step.verb) {
        case "pull":
          this.events("pull", `pulling ${step.image}`, step.host);
          await this.host(step.host).pull(step.image!);
          break;
        case "launch":
          state.launched = await this.launch(step.host, step.slot!);
          break;
        case "gate":
          await this.gate(state.launched!, state);
          state.ready = true;
          // A new proxy gets every route before its track is done (its host answers on the exposed ports from here on); ready first, so a failed push still lets an undo remove it.
          if (this.svc.name === PROXY_SERVICE) await this.router?.proxyUp(step.host, state.launched!.containerIds[0]!);
          break;
        case "route":
          await this.routeNew(state.launched!);
          state.routed = true;
          break;
        case "drain":
          this.events("drain", `draining pod ${step.pod} on every proxy`, step.host, step.slot, step.pod);
          state.drained = true;
          await this.router?.drain(this.svc.name, step.pod!, true);
          break;
        case "stop":
          await this.stop(this.ref(step.pod!), step.background ? onStopping : undefined);
          state.oldStopped = true;
          break;
        case "remove": {
          const ref = this.ref(step.pod!);
          await this.remove({ host: ref.host, pod: ref.pod, slot: ref.slot }, this.removeWhy.get(ref.pod) ?? "replaced");
          break;
        }
        case "resize": {
          // No restart, nothing to gate or undo: a resize that fails is the commit's (stalled), a host that stops answering is retried.
          const host = this.host(step.host);
          await host.resizePod(this.plan.owner, step.pod!, step.resources ?? []);
          this.events("resize", `pod ${step.pod} resized in place`, step.host, step.slot, step.pod);
          break;
        }
      }
    }
  }

  /** Hosts that stopped answering during this rollout, with why: the rest of it leaves them out. */
  private readonly lost = new Map<string, ErrorInfo>();
  /** Hosts whose steps of this rollout were all carried out. */
  private readonly done = new Set<string>();

  /** True when the track has a step on a host that was lost. */
  private touchesLost(track: Track): boolean {
    return track.steps.some((s) => this.lost.has(s.host));
  }

  /**
   * Runs a wave's tracks at once (except those on a lost host); resolves
   * when all have settled. A track that failed because its host stopped
   * answering loses that host and is put back as far as it can be; every
   * other failure is returned.
   */
  private async runWave(wave: Wave): Promise<{ states: Map<Track, TrackState>; failures: Map<Track, unknown> }> {
    const tracks = wave.tracks.filter((t) => !this.touchesLost(t));
    const states = tracks.map((): TrackState => ({ oldStopped: false, ready: false }));
    const settled = await Promise.allSettled(tracks.map((t, i) => this.runTrack(wave.index, t, states[i]!)));
    return this.sortOut(settled.map((r, i) => ({ track: tracks[i]!, state: states[i]!, failed: r.status === "rejected", ...(r.status === "rejected" ? { error: r.reason } : {}) })));
  }

  /**
   * Sorts settled tracks: one that failed because its host stopped
   * answering loses that host and is put back as far as it can be (it is
   * left out of the states returned); every other failure is returned.
   */
  private async sortOut(settled: readonly Settled[]): Promise<{ states: Map<Track, TrackState>; failures: Map<Track, unknown> }> {
    const states = new Map(settled.map((s): [Track, TrackState] => [s.track, s.state]));
    const failures = new Map<Track, unknown>();
    const hostFailed: Track[] = [];
    for (const s of settled) {
      if (!s.failed) continue;
      if (s.error instanceof HostUnreachableError) {
        this.loseHost(s.error);
        hostFailed.push(s.track);
      } else failures.set(s.track, s.error);
    }
    // The slot goes back to what it was where the hosts still answer; on the lost host nothing can be done now.
    await Promise.allSettled(hostFailed.filter((t) => t.slot !== undefined && this.replaceOf.has(t.slot)).map((t) => this.undo({ track: t, state: states.get(t)! })));
    for (const t of hostFailed) states.delete(t);
    return { states, failures };
  }

  private loseHost(err: HostUnreachableError): void {
    if (this.lost.has(err.data.host)) return;
    this.lost.set(err.data.host, errorInfo(err));
    this.events("failed", `${err.message}; the rollout goes on without ${err.data.host}, which is taken up when it answers`, err.data.host);
  }

  async run(): Promise<ServiceResult> {
    const svc = this.svc;
    const name = svc.name;
    for (const c of svc.changes) {
      if (!("from" in c) || !c.from) continue;
      this.refs.set(c.from.pod, c.from);
      if (c.action === "replace") this.replaceOf.set(c.slot, c);
      if (c.action === "remove" || c.action === "recreate") this.removeWhy.set(c.from.pod, c.reason);
    }
    const stopping = () => this.deps.signal?.aborted === true;
    /** Replacements whose new pod counts, for the rollback or the finish. */
    const replaced: { track: Track; state: TrackState }[] = [];
    const replaceTotal = svc.waves.filter((w) => w.kind === "replace").reduce((n, w) => n + w.tracks.length, 0);
    /** New pods in their crash window, repairs and replacements. */
    const watched: { track: Track; state: TrackState; kind: Wave["kind"] }[] = [];
    /** A new pod that crashed in its window fails the rollout like a gate that failed. */
    const onCrash = async (wait: boolean): Promise<ServiceResult | undefined> => {
      const crashed = await this.crashed(watched, wait);
      if (crashed.length === 0) return undefined;
      this.failing = true;
      await this.crashed(watched, true);
      const reason = errorText(crashed[0]!.state.crashed);
      if (crashed.some((c) => watched.find((w) => w.track === c.track)?.kind === "repair")) {
        await Promise.all(
          crashed.map(async (c) => {
            if (!c.state.launched) return;
            if (c.state.routed) await this.router?.drain(name, c.state.launched.pod, false);
            await this.remove({ host: c.state.launched.host, pod: c.state.launched.pod, slot: c.track.slot! }, "crashed after it counted");
          }),
        );
        return { service: name, result: "failed", reason, error: errorInfo(crashed[0]!.state.crashed) };
      }
      const still = replaced.filter((r) => !crashed.some((c) => c.track === r.track));
      return this.recover(crashed, still, reason, errorInfo(crashed[0]!.state.crashed));
    };

    /** What a wave's failed tracks lead to (a stop that failed in the background counts as one of its replace wave). */
    const onFailures = async (kind: Wave["kind"], states: ReadonlyMap<Track, TrackState>, failures: ReadonlyMap<Track, unknown>): Promise<ServiceResult> => {
      this.failing = true;
      const first = [...failures.values()][0];
      const reason = errorText(first);
      const error = errorInfo(first);
      if (kind === "pull") {
        this.events("failed", reason);
        return { service: name, result: error.reaction === "retry" ? "waiting" : "failed", reason: `${reason}; nothing was changed`, error };
      }
      if ([...failures.values()].every((f) => errorInfo(f).reaction === "retry")) {
        // Not the commit's fault: the failed slots go back, what counts is kept, and the loop tries again.
        if (kind === "replace") await Promise.allSettled([...failures.keys()].map((t) => this.undo({ track: t, state: states.get(t)! })));
        const crash = await onCrash(true);
        if (crash) return crash;
        await this.finish(replaced);
        this.events("failed", `waiting: ${reason}`);
        return { service: name, result: "waiting", reason, error, ...this.hostsResult() };
      }
      if (kind !== "replace") return { service: name, result: "failed", reason, error };
      return this.recover([...failures.keys()].map((t) => ({ track: t, state: states.get(t)! })), replaced, reason, error);
    };
    /** Stops in the background that ended: one that failed fails its track. `all`: waits for every one; else looks only once one has failed. */
    const onBackground = async (all: boolean): Promise<ServiceResult | undefined> => {
      if (!all && !this.backgroundFailed) return undefined;
      const ended = await this.backgroundEnded();
      if (!ended.some((e) => e.failed)) return undefined;
      const { states, failures } = await this.sortOut(ended);
      // A track that failed, or was put back because its host stopped answering, no longer counts.
      const lost = new Set(ended.map((e) => e.track).filter((t) => !states.has(t) || failures.has(t)));
      for (const list of [replaced, watched]) for (let i = list.length - 1; i >= 0; i--) if (lost.has(list[i]!.track)) list.splice(i, 1);
      // Nor are its hosts' steps all carried out.
      for (const t of lost) for (const st of t.steps) this.done.delete(st.host);
      return failures.size > 0 ? onFailures("replace", states, failures) : undefined;
    };

    /** The index of the wave run last. */
    let previous = 0;
    for (const wave of svc.waves) {
      if (stopping() && wave.kind !== "pull" && wave.kind !== "finish") {
        this.failing = true;
        await this.finish(replaced);
        this.events("done", `interrupted: ${replaced.length} of ${replaceTotal} replaced; the rest is left for the next run`);
        return { service: name, result: "interrupted", reason: `berth was stopping: ${replaced.length} of ${replaceTotal} replacements done` };
      }
      // The old pods go only once every stop has ended and every new pod has passed its crash window; removals wait for both too.
      const removing = wave.kind === "finish" || wave.kind === "remove";
      await this.stopsBefore(previous);
      const stopFailed = await onBackground(removing);
      if (stopFailed) return stopFailed;
      const crash = await onCrash(removing);
      if (crash) return crash;
      if (wave.kind === "finish") {
        await this.finish(replaced);
        continue;
      }
      const { states, failures } = await this.runWave(wave);
      previous = wave.index;
      if (wave.kind === "replace") for (const [track, state] of states) if (!failures.has(track)) replaced.push({ track, state });
      if (wave.kind === "replace" || wave.kind === "repair") for (const [track, state] of states) if (!failures.has(track)) watched.push({ track, state, kind: wave.kind });
      for (const t of wave.tracks) if (!this.touchesLost(t) && !failures.has(t)) for (const st of t.steps) this.done.add(st.host);
      if (failures.size > 0) return onFailures(wave.kind, states, failures);
    }
    const stopFailed = await onBackground(true);
    if (stopFailed) return stopFailed;
    const crash = await onCrash(true);
    if (crash) return crash;
    if (this.lost.size > 0) {
      const [host, error] = [...this.lost][0]!;
      const waiting = [...this.lost.keys()];
      const reason = `${waiting.join(", ")} stopped answering (${error.message}); ${this.done.size > 0 ? `converged on ${[...this.done].filter((h) => !this.lost.has(h)).join(", ")}; ` : ""}the rest is taken up when ${waiting.length === 1 ? host : "they"} answer${waiting.length === 1 ? "s" : ""}`;
      this.events("done", `waiting: ${reason}`);
      return { service: name, result: "waiting", reason, error, ...this.hostsResult() };
    }
    this.events("done", svc.kind === "removed" ? "pruned" : "converged");
    return { service: name, result: "converged" };
  }

  /** Which hosts this rollout converged and which it is waiting for. */
  private hostsResult(): Pick<ServiceResult, "hosts"> {
    return {
      hosts: {
        converged: [...this.done].filter((h) => !this.lost.has(h)).sort(),
        waiting: [...this.lost].map(([host, e]) => ({ host, code: e.code, message: e.message })),
      },
    };
  }

  /**
   * Removes the old pods of replacements whose new pods count: they were
   * kept stopped for a rollback. Once. An old pod on a host that stopped
   * answering stays for the next pass, which removes it when it answers.
   */
  private async finish(replaced: readonly { track: Track }[]): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    // Reached on a failure or an interruption too: a stop still under way ends first, whatever its outcome (the removal follows either way).
    await this.stopsEnded();
    await Promise.all(
      replaced.flatMap(({ track }) => {
        const old = this.replaceOf.get(track.slot!);
        if (!old || this.lost.has(old.from.host)) return [];
        return [
          this.remove({ host: old.from.host, pod: old.from.pod, slot: old.slot }, "replaced").catch((err: unknown) => {
            if (!(err instanceof HostUnreachableError)) throw err;
            this.loseHost(err);
          }),
        ];
      }),
    );
  }

  /**
   * Puts one slot back as it was: its new pod removed, its old pod started
   * again if it was stopped. Stop-first slots remove first (the new pod may
   * hold the host port the old one needs); start-first ones restart first,
   * so the slot is never without a pod.
   */
  private async undo({ track, state }: { track: Track; state: TrackState }): Promise<void> {
    const old = this.replaceOf.get(track.slot!)!.from;
    const isProxy = this.svc.name === PROXY_SERVICE;
    const drop = async () => {
      if (!state.launched || !state.ready) return;
      if (isProxy) this.router?.proxyDown(state.launched.host);
      else if (state.routed) await this.router?.drain(this.svc.name, state.launched.pod, true);
      await this.remove({ host: state.launched.host, pod: state.launched.pod, slot: track.slot! }, "rolled back");
    };
    const restart = async () => {
      // An old pod drained whose stop then failed still runs: it only needs its routes back.
      if (!state.oldStopped && !state.drained) return;
      if (state.oldStopped) await this.restore(old);
      const main = old.containers.find((c) => c.container === "main");
      if (!main) return;
      // A restored proxy starts again from its boot config: it gets every route, as a new one does.
      if (isProxy) return void (await this.router?.proxyUp(old.host, main.id));
      if (!this.router?.routes(this.svc.name)) return;
      // A restarted container gets new engine-assigned host ports: the proxies route to what the engine says now.
      const status = await this.host(old.host).status(main.id);
      await this.router.route(this.svc.name, { ...old, ports: status?.ports ?? [] });
    };
    if (track.strategy === "stop-first") {
      await drop();
      await restart();
    } else {
      await restart();
      await drop();
    }
  }

  /**
   * After a failed replacement: `rollback` puts every replaced slot back
   * and removes the new pods; `pause` keeps the slots that finished. Either
   * way every failed slot of the wave is put back. Each slot is undone on
   * its own, so one that cannot be restored does not leave the others down;
   * what could not be undone is named in the result.
   */
  private async recover(failed: readonly { track: Track; state: TrackState }[], replaced: readonly { track: Track; state: TrackState }[], reason: string, error: ErrorInfo): Promise<ServiceResult> {
    const name = this.svc.name;
    const rollback = this.svc.rollout!.onFailure === "rollback";
    // An old pod still stopping is started again only once its stop has ended; one whose stop failed still runs, and its undo only removes the new pod.
    await this.stopsEnded();
    // A slot on a host that stopped answering cannot be put back now: the next pass does it.
    const toUndo = (rollback ? [...failed, ...replaced] : failed).filter((t) => !this.touchesLost(t.track));
    const results = await Promise.allSettled(toUndo.map((t) => this.undo(t)));
    const problems = results.flatMap((r, i) => (r.status === "rejected" ? [`slot ${toUndo[i]!.track.slot}: ${errorText(r.reason)}`] : []));
    if (!rollback) await this.finish(replaced).catch(() => undefined);
    if (problems.length > 0) {
      this.events("failed", `${rollback ? "rollback" : "pause"} incomplete: ${problems.join("; ")}`);
      return { service: name, result: "failed", reason: `${reason}; ${rollback ? "rollback" : "restoring the failed slots"} failed for ${problems.join("; ")}`, error };
    }
    if (rollback) {
      this.events("rollback", `rolled back to the previous spec: ${reason}`);
      return { service: name, result: "rolled-back", reason, error };
    }
    this.events("failed", `paused: ${reason}`);
    return { service: name, result: "paused", reason, error };
  }
}

/** Carries out `plan`; `ok` only when every service converged and every host was observed. */
export async function applyPlan(plan: Plan, deps: ApplyDeps): Promise<ApplyResult> {
  const t0 = deps.clock.now();
  const failedHosts = plan.hosts.filter((h) => h.state === "unreachable" && !h.leftGit).map((h) => ({ host: h.name, reason: h.error ?? "unreachable" }));
  if (plan.refused) return { ok: false, services: [], failedHosts, refused: plan.refused, ms: 0 };
  const limit = pLimit(deps.serviceConcurrency ?? 4);
  const watch = new CrashWatch(plan.owner, deps.clock);
  const router = plan.traffic ? deps.router?.(plan) : undefined;
  const roll = (svc: ServicePlan) =>
    deps.signal?.aborted
      ? Promise.resolve<ServiceResult>({ service: svc.name, result: "interrupted", reason: "berth was stopping: not started" })
      : new ServiceRollout(plan, svc, deps, watch, router)
          .run()
          .catch((err: unknown): ServiceResult => {
            // Escaped from a step of the bookkeeping (a removal, an undo): a `retry` is still not the commit's fault (a lease lost, say).
            const error = errorInfo(err);
            return { service: svc.name, result: error.reaction === "retry" ? "waiting" : "failed", reason: errorText(err), error };
          });
  // Proxies that route something else than the plan says are set right first; a failure there is the world's, and the drains will say so.
  await router?.start().catch((err: unknown) => deps.onEvent?.({ at: deps.clock.now(), service: PROXY_SERVICE, phase: "failed", message: errorText(err) }));
  // The proxies come first: a service's new pods are routed by every proxy that runs once they count.
  const proxy = plan.services.filter((s) => s.name === PROXY_SERVICE);
  const first = await Promise.all(proxy.map(roll));
  const rest = await Promise.all(plan.services.filter((s) => s.name !== PROXY_SERVICE).map((svc) => limit(() => roll(svc))));
  const order = new Map([...first, ...rest].map((r) => [r.service, r]));
  const services = plan.services.map((s) => order.get(s.name)!);
  const unplaced = plan.summary.unplaced > 0;
  return { ok: services.every((s) => s.result === "converged") && failedHosts.length === 0 && !unplaced, services, failedHosts, ms: deps.clock.now() - t0 };
}
