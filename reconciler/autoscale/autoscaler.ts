/**
 * The daemon's autoscaling loop (DESIGN §2, the seed's AutoScale pattern):
 * every `intervalMs`, for each Service with `autoscale` in the fleet berth
 * converges to, read its metrics, decide (decide.ts, pure), and when the
 * count changes hand it to the reconciler, which journals it, keeps it in
 * the deployment record and runs a pass: a scale-out places new slots and a
 * scale-in removes pods gracefully, as any change of `replicas` does.
 *
 * - Only the leader decides; a new leader starts its stabilisation windows
 *   afresh (a scale-in waits a whole window after a takeover or a restart).
 * - While a rollout runs, nothing is decided: autoscaling never fights it.
 * - A metric that cannot be read holds the count, and status says why.
 */
import type { DockerHost, ObservedContainer } from "../docker/types.ts";
import type { Fleet, ServiceSpec } from "../model/fleet.ts";
import type { Logger } from "../loop/logger.ts";
import type { Metrics } from "../loop/metrics.ts";
import type { AutoscaleStatus } from "../loop/status.ts";
import { decide, startingHistory, type Recommendation } from "./decide.ts";
import { sampleMetrics, type Sampled, type SampleDeps } from "./sample-metrics.ts";

/** What the autoscaler needs of the reconciler. */
export interface ScaledFleet {
  readonly fleet: Fleet | undefined;
  readonly hostMap: ReadonlyMap<string, DockerHost>;
  /** This owner's containers as the last pass observed them. */
  readonly observed: readonly ObservedContainer[];
  /** True while an apply runs. */
  readonly applying: boolean;
  /** True while this instance may write (it leads). */
  mayScale(): boolean;
  /** The count the service runs at now: the last decision within git's bounds, else git's `replicas`. */
  replicasOf(svc: ServiceSpec): number;
  /** Sets the count (journal, record); `onScaled` then runs the pass that carries it out. */
  scale(service: string, from: number, to: number, reason: string): Promise<void>;
}

export interface AutoscalerDeps {
  readonly target: ScaledFleet;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly now: () => number;
  /** Reads a service's metrics (default: the engines' stats and Prometheus). */
  readonly sample?: (svc: ServiceSpec, deps: SampleDeps) => Promise<Sampled>;
  /** Called after a round that changed a count: the daemon runs a pass. */
  readonly onScaled?: () => void;
}

export class Autoscaler {
  private history = new Map<string, Recommendation[]>();
  private readonly latest = new Map<string, { at: string; reason: string }>();
  private running = false;

  constructor(private readonly deps: AutoscalerDeps) {}

  /** Forgets the stabilisation windows: after a change of leader, a scale-in waits a whole window again. */
  reset(): void {
    this.history = new Map();
  }

  /** The latest look at each service's metrics, for status. */
  latestOf(service: string): AutoscaleStatus["latest"] | undefined {
    return this.latest.get(service);
  }

  /** One round of decisions; a round still running when the next is due is not doubled. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.round();
    } finally {
      this.running = false;
    }
  }

  private async round(): Promise<void> {
    if (await this.decideAll()) this.deps.onScaled?.();
  }

  /** True when a count changed. */
  private async decideAll(): Promise<boolean> {
    const { target, log, metrics, now } = this.deps;
    const services = (target.fleet?.services ?? []).filter((s) => s.autoscale);
    const names = new Set(services.map((s) => s.name));
    for (const name of [...this.history.keys()]) if (!names.has(name)) this.history.delete(name);
    if (services.length === 0 || !target.mayScale()) return false;
    const at = now();
    if (target.applying) {
      for (const s of services) this.latest.set(s.name, { at: new Date(at).toISOString(), reason: "waiting for the rollout under way to finish" });
      return false;
    }
    let changed = false;
    for (const svc of services) {
      const spec = svc.autoscale!;
      const current = target.replicasOf(svc);
      const history = this.history.get(svc.name) ?? startingHistory(current, at);
      const { sample, problems } = await (this.deps.sample ?? sampleMetrics)(svc, { hosts: target.hostMap, observed: target.observed });
      const d = decide({ spec, current, sample, history, now: at });
      this.history.set(svc.name, [...d.history]);
      const reason = problems.length ? `${d.reason} (${problems.join("; ")})` : d.reason;
      this.latest.set(svc.name, { at: new Date(at).toISOString(), reason });
      metrics.autoscaleDesired.set({ service: svc.name }, d.replicas);
      metrics.autoscaleCurrent.set({ service: svc.name }, target.observed.filter((c) => c.kind === "service" && c.group === svc.name && c.container === "main" && c.state === "running").length);
      if (sample.cpuPercent !== undefined) metrics.autoscaleMetric.set({ service: svc.name, metric: "cpu" }, sample.cpuPercent);
      if (sample.prometheus !== undefined) metrics.autoscaleMetric.set({ service: svc.name, metric: "prometheus" }, sample.prometheus);
      if (problems.length) log.warn({ service: svc.name, problems }, `autoscale: ${reason}`);
      if (d.replicas === current) continue;
      log.info({ service: svc.name, from: current, to: d.replicas, reason: d.reason }, `autoscale: ${svc.name} ${current} → ${d.replicas} (${d.reason})`);
      await target.scale(svc.name, current, d.replicas, d.reason);
      changed = true;
    }
    return changed;
  }
}
