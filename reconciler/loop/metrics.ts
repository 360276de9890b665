/**
 * The daemon's Prometheus metrics, through prom-client: berth's own under
 * `berth_`, and Node's standard `process_*` and `nodejs_*` ones, unprefixed,
 * so that the usual dashboards find them. docs/metrics.md lists them all;
 * `promtool check metrics` passes on what /metrics serves
 * (test/integration/daemon/metrics-promtool.test.ts).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { berthCommit, berthVersion } from "../version.ts";
import type { DaemonStatus } from "./status.ts";

/** The part of the status the per-host and per-service gauges are read from. */
export type FleetStatus = Pick<DaemonStatus, "hosts" | "services">;

export interface Metrics {
  readonly registry: Registry;
  readonly reconcileSeconds: Histogram<"trigger">;
  readonly applies: Counter<"result">;
  /** One per service a pass rolled out (it had changes), by that service's result. */
  readonly rollouts: Counter<"service" | "result">;
  readonly driftHeals: Counter<"service">;
  readonly gitFetchErrors: Counter<"code">;
  readonly jobRuns: Counter<"job" | "result">;
  readonly invalidCommits: Counter;
  /** 1 while this instance leads (always without `--lock`), 0 while it follows. */
  readonly leader: Gauge;
  readonly autoscaleDesired: Gauge<"service">;
  readonly autoscaleCurrent: Gauge<"service">;
  readonly autoscaleMetric: Gauge<"service" | "metric">;
  /**
   * Where `berth_host_up` and `berth_service_replicas_*` are read from at
   * each scrape: the status `/status` serves, so the two always agree, and a
   * host or service gone from it is gone from the series too.
   */
  followStatus(status: () => FleetStatus): void;
}

/**
 * prom-client's gauges named `_total`, which `promtool check metrics` refuses
 * ("non-counter metrics should not have _total suffix"); the same counts are
 * the sums of `nodejs_active_handles`, `…_requests` and `…_resources` by type.
 */
const MISNAMED_DEFAULTS = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  let status: () => FleetStatus = () => ({ hosts: [], services: [] });
  const registers = [registry];
  new Gauge({ name: "berth_build_info", help: "Always 1; its labels are the version of berth (package.json's) and the commit it was built from.", labelNames: ["version", "commit"], registers }).set({ version: berthVersion, commit: berthCommit }, 1);
  new Gauge({
    name: "berth_host_up",
    help: "1 when the host was observed at the last pass, 0 when it could not be reached; one series per host in git.",
    labelNames: ["host"],
    registers,
    collect() {
      this.reset();
      // A host that left git is drained, not part of the fleet: it has no series.
      for (const h of status().hosts) if (!h.leftGit) this.set({ host: h.name }, h.reachable ? 1 : 0);
    },
  });
  new Gauge({
    name: "berth_service_replicas_desired",
    help: "Replicas a service should run, as the last pass planned them (an autoscaled service's current count).",
    labelNames: ["service"],
    registers,
    collect() {
      this.reset();
      for (const s of status().services) this.set({ service: s.name }, s.desired);
    },
  });
  new Gauge({
    name: "berth_service_replicas_ready",
    help: "Replicas of a service that were ready (healthy, or running without a health check) at the last look, as berth status counts them.",
    labelNames: ["service"],
    registers,
    collect() {
      this.reset();
      for (const s of status().services) this.set({ service: s.name }, s.ready);
    },
  });
  return {
    registry,
    followStatus: (read) => void (status = read),
    reconcileSeconds: new Histogram({ name: "berth_reconcile_duration_seconds", help: "Duration of one reconcile pass (observe, plan, apply), by what triggered it.", labelNames: ["trigger"], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300], registers }),
    applies: new Counter({ name: "berth_applies_total", help: "Reconcile passes that applied a plan or refused one, by the pass's result.", labelNames: ["result"], registers }),
    rollouts: new Counter({ name: "berth_rollouts_total", help: "Rollouts of a service (a pass that changed its pods), by the service's result as the journal names it.", labelNames: ["service", "result"], registers }),
    driftHeals: new Counter({ name: "berth_drift_heals_total", help: "Pods recreated or created because the fleet drifted from git (not because git changed).", labelNames: ["service"], registers }),
    gitFetchErrors: new Counter({ name: "berth_git_fetch_errors_total", help: "Failed fetches of the git source, by error code.", labelNames: ["code"], registers }),
    jobRuns: new Counter({ name: "berth_job_runs_total", help: "Finished or skipped job runs, by job and result.", labelNames: ["job", "result"], registers }),
    invalidCommits: new Counter({ name: "berth_invalid_commits_total", help: "Commits that did not validate.", registers }),
    autoscaleDesired: new Gauge({ name: "berth_autoscale_replicas_desired", help: "Replicas the last autoscaling decision asked for, per autoscaled service.", labelNames: ["service"], registers }),
    autoscaleCurrent: new Gauge({ name: "berth_autoscale_replicas_current", help: "Running replicas of each autoscaled service at the last decision.", labelNames: ["service"], registers }),
    autoscaleMetric: new Gauge({ name: "berth_autoscale_metric_value", help: "The metric an autoscaled service follows, at the last decision (cpu in percent; prometheus as queried).", labelNames: ["service", "metric"], registers }),
    leader: new Gauge({ name: "berth_leader", help: "1 while this instance leads its owner and may write (always without --lock), 0 while it follows.", registers }),
  };
}
