/**
 * The rollout: carries out a Plan, service by service (several at once),
 * as a health-gated rolling update.
 *
 *   pull images on the target hosts
 *   → repairs (create, recreate), in parallel
 *   → replacements, at most maxSurge extra pods and maxUnavailable missing
 *     ones at any time; an old pod stops only once its replacement counts
 *     as ready, and is kept (stopped) until the service has converged
 *   → removals (scaled down, duplicates, deleted services)
 *
 * On failure (pull error, never healthy, exits, deadline passed) it acts on
 * `onFailure`: `rollback` restarts the old pods and removes the new ones,
 * `pause` leaves what succeeded and restores only the failed slot. Either way
 * the result is reported as a failure, and the fleet is no worse than before.
 */
import pLimit from "p-limit";
import type { PodSpec } from "../model/pod.ts";
import type { DockerHost } from "../docker/types.ts";
import type { Plan, PlanChange, PodRef, ServicePlan } from "../plan/types.ts";
import type { Clock } from "./clock.ts";
import type { ApplyResult, RolloutEvent, ServiceResult } from "./events.ts";
import { waitReady } from "./health-gate.ts";
import type { Prober } from "./probe.ts";

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
}

type Replace = Extract<PlanChange, { action: "replace" }>;

interface Launched {
  readonly host: string;
  readonly pod: string;
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

  /** Starts a new pod for `slot` on `hostName` and waits until it counts as ready; removes it if it does not. */
  private async launch(hostName: string, slot: number): Promise<Launched> {
    const host = this.host(hostName);
    const pod = this.deps.newPodId();
    const rollout = this.svc.rollout!;
    this.events("start", `starting pod ${pod}`, hostName, slot, pod);
    const { containers } = await host.launchPod({
      pod,
      owner: this.plan.owner,
      commit: this.plan.commit,
      slot,
      spec: this.spec,
      ...(this.svc.uses ? { uses: this.svc.uses } : {}),
      secretValues: this.deps.secrets(this.spec),
    });
    try {
      await waitReady(
        { host, pod, spec: this.spec, containerIds: containers.map((c) => c.id), deadline: this.deps.clock.now() + rollout.progressDeadlineMs, minReadyMs: rollout.minReadyMs },
        this.deps.clock,
        this.deps.prober,
      );
    } catch (err) {
      this.events("failed", errorText(err), hostName, slot, pod);
      await host.removePod(this.plan.owner, pod).catch(() => undefined);
      throw err;
    }
    this.events("ready", `pod ${pod} is ready`, hostName, slot, pod);
    return { host: hostName, pod };
  }

  private async stop(ref: PodRef): Promise<void> {
    this.events("stop", `stopping pod ${ref.pod}`, ref.host, ref.slot, ref.pod);
    await this.host(ref.host).stopPod(this.plan.owner, ref.pod, this.graceMs(ref));
  }

  private async remove(ref: { host: string; pod: string; slot: number }, why: string): Promise<void> {
    this.events("remove", `removing pod ${ref.pod} (${why})`, ref.host, ref.slot, ref.pod);
    await this.host(ref.host).removePod(this.plan.owner, ref.pod);
  }

  /** Takes a pod out of service for good: a graceful stop (its grace period, so it can drain), then removal. */
  private async retire(ref: PodRef, why: string): Promise<void> {
    if (!ref.status.startsWith("exited")) await this.stop(ref);
    await this.remove(ref, why);
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
      { host, pod: ref.pod, spec: { ...old, health: { kind: "image" }, containers: old.containers.slice(0, 1) }, containerIds: ref.containers.filter((c) => c.container === "main").map((c) => c.id), deadline: this.deps.clock.now() + rollout.progressDeadlineMs, minReadyMs: 0 },
      this.deps.clock,
      this.deps.prober,
    );
  }

  private async pullImages(): Promise<void> {
    const targets = new Set(this.svc.changes.filter((c) => c.action === "create" || c.action === "replace" || c.action === "recreate").map((c) => (c as { host: string }).host));
    const images = [...new Set(this.spec.containers.map((c) => c.image))];
    await Promise.all(
      [...targets].map(async (h) => {
        for (const image of images) {
          this.events("pull", `pulling ${image}`, h);
          await this.host(h).pull(image);
        }
      }),
    );
  }

  async run(): Promise<ServiceResult> {
    const svc = this.svc;
    const name = svc.name;
    const removes = svc.changes.filter((c): c is Extract<PlanChange, { action: "remove" }> => c.action === "remove");
    if (svc.kind === "removed" || !svc.pod || !svc.rollout) {
      await Promise.all(removes.map((c) => this.retire(c.from, c.reason)));
      this.events("done", "pruned");
      return { service: name, result: "converged" };
    }
    const rollout = svc.rollout;
    try {
      await this.pullImages();
    } catch (err) {
      this.events("failed", errorText(err));
      return { service: name, result: "failed", reason: `${errorText(err)}; nothing was changed` };
    }

    // Repairs: they only add ready pods.
    const repairs = svc.changes.filter((c) => c.action === "create" || c.action === "recreate");
    const repairResults = await Promise.allSettled(
      repairs.map(async (c) => {
        if (c.action === "recreate") await this.remove({ host: c.host, pod: c.from.pod, slot: c.slot }, c.reason);
        return this.launch((c as { host: string }).host, c.slot);
      }),
    );
    const repairFailure = repairResults.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (repairFailure) return { service: name, result: "failed", reason: errorText(repairFailure.reason) };

    // Replacements within maxSurge / maxUnavailable.
    const replaces = svc.changes.filter((c): c is Replace => c.action === "replace");
    const forcedStopFirst = replaces.some((c) => c.order === "stop-first");
    const unavailable = Math.max(rollout.maxUnavailable, forcedStopFirst && rollout.maxUnavailable === 0 ? 1 : 0);
    const done: { change: Replace; launched: Launched }[] = [];
    let failure: { change: Replace; error: unknown; oldStopped: boolean } | undefined;
    const queue = [...replaces];
    const inFlight = new Set<Promise<void>>();
    let wake: () => void = () => undefined;

    const replaceOne = async (c: Replace, startFirst: boolean): Promise<void> => {
      let oldStopped = false;
      try {
        if (startFirst) {
          const launched = await this.launch(c.host, c.slot);
          await this.stop(c.from);
          oldStopped = true;
          done.push({ change: c, launched });
        } else {
          await this.stop(c.from);
          oldStopped = true;
          const launched = await this.launch(c.host, c.slot);
          done.push({ change: c, launched });
        }
      } catch (error) {
        failure ??= { change: c, error, oldStopped };
        if (failure.change !== c && oldStopped) await this.restore(c.from).catch(() => undefined);
      }
    };

    // Two token pools: a start-first replacement spends surge (one extra pod
    // for a while), a stop-first one spends unavailability (one slot down).
    const tokens = { surge: rollout.maxSurge, unavailable };
    const begin = (c: Replace, pool: keyof typeof tokens): void => {
      tokens[pool]--;
      queue.shift();
      const p: Promise<void> = replaceOne(c, pool === "surge").finally(() => {
        tokens[pool]++;
        inFlight.delete(p);
        wake();
      });
      inFlight.add(p);
    };
    const stopping = () => this.deps.signal?.aborted === true;
    while ((queue.length > 0 && !failure && !stopping()) || inFlight.size > 0) {
      const next = failure || stopping() ? undefined : queue[0];
      let started = false;
      if (next && next.order === "start-first" && tokens.surge > 0) {
        begin(next, "surge");
        started = true;
      } else if (next && tokens.unavailable > 0) {
        begin(next, "unavailable");
        started = true;
      }
      if (!started && inFlight.size > 0) await new Promise<void>((r) => (wake = r));
      else if (!started) break;
    }

    if (failure) {
      const reason = errorText(failure.error);
      if (rollout.onFailure === "rollback") {
        try {
          if (failure.oldStopped) await this.restore(failure.change.from);
          for (const d of done) {
            await this.restore(d.change.from);
            await this.remove({ host: d.launched.host, pod: d.launched.pod, slot: d.change.slot }, "rolled back");
          }
        } catch (err) {
          this.events("failed", `rollback failed: ${errorText(err)}`);
          return { service: name, result: "failed", reason: `${reason}; rollback failed: ${errorText(err)}` };
        }
        this.events("rollback", `rolled back to the previous spec: ${reason}`);
        return { service: name, result: "rolled-back", reason };
      }
      if (failure.oldStopped) await this.restore(failure.change.from).catch(() => undefined);
      for (const d of done) await this.remove({ host: d.change.from.host, pod: d.change.from.pod, slot: d.change.slot }, "replaced").catch(() => undefined);
      this.events("failed", `paused: ${reason}`);
      return { service: name, result: "paused", reason };
    }

    // Converged (or interrupted): old pods that were kept for a rollback go
    // now, their replacements are ready. Removals wait for a full run.
    await Promise.all(done.map((d) => this.remove({ host: d.change.from.host, pod: d.change.from.pod, slot: d.change.slot }, "replaced")));
    if (queue.length > 0) {
      this.events("done", `interrupted: ${done.length} of ${replaces.length} replaced; the rest is left for the next run`);
      return { service: name, result: "interrupted", reason: `berth was stopping: ${done.length} of ${replaces.length} replacements done` };
    }
    await Promise.all(removes.map((c) => this.retire(c.from, c.reason)));
    this.events("done", "converged");
    return { service: name, result: "converged" };
  }
}

/** Carries out `plan`; `ok` only when every service converged and every host was observed. */
export async function applyPlan(plan: Plan, deps: ApplyDeps): Promise<ApplyResult> {
  const t0 = deps.clock.now();
  const limit = pLimit(deps.serviceConcurrency ?? 4);
  const services = await Promise.all(
    plan.services.map((svc) =>
      limit(() =>
        deps.signal?.aborted
          ? Promise.resolve<ServiceResult>({ service: svc.name, result: "interrupted", reason: "berth was stopping: not started" })
          : new ServiceRollout(plan, svc, deps).run().catch((err: unknown): ServiceResult => ({ service: svc.name, result: "failed", reason: errorText(err) })),
      ),
    ),
  );
  const failedHosts = plan.hosts.filter((h) => h.state === "unreachable").map((h) => ({ host: h.name, reason: h.error ?? "unreachable" }));
  const unplaced = plan.summary.unplaced > 0;
  return { ok: services.every((s) => s.result === "converged") && failedHosts.length === 0 && !unplaced, services, failedHosts, ms: deps.clock.now() - t0 };
}
