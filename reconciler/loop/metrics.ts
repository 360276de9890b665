/**
 * The daemon's Prometheus metrics, through prom-client.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface Metrics {
  readonly registry: Registry;
  readonly reconcileSeconds: Histogram<"trigger">;
  readonly applies: Counter<"result">;
  readonly driftHeals: Counter<"service">;
  readonly gitFetchErrors: Counter<"code">;
  readonly hostsUp: Gauge;
  readonly hostsDown: Gauge;
  readonly jobRuns: Counter<"job" | "result">;
  readonly invalidCommits: Counter;
  /** 1 while this instance leads (always without `--lock`), 0 while it follows. */
  readonly leader: Gauge;
  readonly autoscaleDesired: Gauge<"service">;
  readonly autoscaleCurrent: Gauge<"service">;
  readonly autoscaleMetric: Gauge<"service" | "metric">;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "berth_process_" });
  return {
    registry,
    reconcileSeconds: new Histogram({ name: "berth_reconcile_duration_seconds", help: "Duration of one reconcile pass (observe, plan, apply).", labelNames: ["trigger"], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300], registers: [registry] }),
    applies: new Counter({ name: "berth_applies_total", help: "Applies by result.", labelNames: ["result"], registers: [registry] }),
    driftHeals: new Counter({ name: "berth_drift_heals_total", help: "Pods recreated or created because the fleet drifted from git (not because git changed).", labelNames: ["service"], registers: [registry] }),
    gitFetchErrors: new Counter({ name: "berth_git_fetch_errors_total", help: "Failed fetches of the git source, by error code.", labelNames: ["code"], registers: [registry] }),
    hostsUp: new Gauge({ name: "berth_hosts_up", help: "Hosts observed at the last pass.", registers: [registry] }),
    hostsDown: new Gauge({ name: "berth_hosts_down", help: "Hosts that could not be observed at the last pass.", registers: [registry] }),
    jobRuns: new Counter({ name: "berth_job_runs_total", help: "Job runs by job and result.", labelNames: ["job", "result"], registers: [registry] }),
    invalidCommits: new Counter({ name: "berth_invalid_commits_total", help: "Commits that did not validate.", registers: [registry] }),
    autoscaleDesired: new Gauge({ name: "berth_autoscale_replicas_desired", help: "Replicas the last autoscaling decision asked for, per autoscaled service.", labelNames: ["service"], registers: [registry] }),
    autoscaleCurrent: new Gauge({ name: "berth_autoscale_replicas_current", help: "Running replicas of each autoscaled service at the last decision.", labelNames: ["service"], registers: [registry] }),
    autoscaleMetric: new Gauge({ name: "berth_autoscale_metric_value", help: "The metric an autoscaled service follows, at the last decision (cpu in percent; prometheus as queried).", labelNames: ["service", "metric"], registers: [registry] }),
    leader: new Gauge({ name: "berth_leader", help: "1 while this instance leads its owner and may write (always without --lock), 0 while it follows.", registers: [registry] }),
  };
}
