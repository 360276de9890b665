/**
 * Service and Job documents (with their expanded pod) → `ServiceSpec` and
 * `JobSpec`: placement, rollout and schedule with defaults filled in.
 */
import cron from "node-cron";
import type { JobDoc, PlacementDoc, ServiceDoc } from "../model/documents.ts";
import type { JobSpec, Placement, RolloutPolicy, ServiceSpec } from "../model/fleet.ts";
import type { PodSpec } from "../model/pod.ts";
import { DEFAULT_JOB, DEFAULT_PLACEMENT, DEFAULT_REPLICAS, DEFAULT_ROLLOUT } from "../model/defaults.ts";
import { parseDuration } from "../model/quantity.ts";
import type { Diagnostic } from "./diagnostic.ts";
import type { Located } from "./parse-yaml.ts";
import { diagnosticAt } from "./diagnostic-at.ts";

export function normalisePlacement(p: PlacementDoc | undefined): Placement {
  return {
    constraints: (p?.constraints ?? []).map((c) => ({
      label: c.label,
      op: c.op,
      values: c.op === "==" || c.op === "!=" ? [c.value ?? ""] : c.op === "exists" ? [] : [...(c.values ?? [])],
    })),
    ...(p?.spread === undefined ? {} : { spread: p.spread }),
    strategy: p?.strategy ?? DEFAULT_PLACEMENT.strategy,
    distinctHosts: p?.distinctHosts ?? DEFAULT_PLACEMENT.distinctHosts,
    ...(p?.mode === "global" ? { mode: "global" as const } : {}),
  };
}

/** A Service's normalised form; a rollout that could never progress is reported. */
export function normaliseService({ doc, at }: Located<ServiceDoc>, pod: PodSpec, out: Diagnostic[]): ServiceSpec {
  const r = doc.spec.rollout;
  const rollout: RolloutPolicy = {
    maxSurge: r?.maxSurge ?? DEFAULT_ROLLOUT.maxSurge,
    maxUnavailable: r?.maxUnavailable ?? DEFAULT_ROLLOUT.maxUnavailable,
    order: r?.order ?? DEFAULT_ROLLOUT.order,
    minReadyMs: r?.minReady === undefined ? DEFAULT_ROLLOUT.minReadyMs : parseDuration(r.minReady),
    monitorMs: r?.monitor === undefined ? DEFAULT_ROLLOUT.monitorMs : parseDuration(r.monitor),
    progressDeadlineMs: r?.progressDeadline === undefined ? DEFAULT_ROLLOUT.progressDeadlineMs : parseDuration(r.progressDeadline),
    onFailure: r?.onFailure ?? DEFAULT_ROLLOUT.onFailure,
  };
  if (rollout.maxSurge === 0 && rollout.maxUnavailable === 0) {
    out.push(diagnosticAt(at, ["spec", "rollout"], "rollout-stuck", "maxSurge and maxUnavailable are both 0: a rollout could neither add a replica nor stop one; raise one of them", { key: true }));
  }
  return {
    name: doc.metadata.name,
    // A global service's count follows the hosts; it is set when the fleet is planned.
    replicas: doc.spec.placement?.mode === "global" ? 0 : (doc.spec.replicas ?? DEFAULT_REPLICAS),
    pod,
    placement: normalisePlacement(doc.spec.placement),
    rollout,
    labels: { ...(doc.metadata.labels ?? {}) },
    source: { file: at.file, line: at.start.line },
  };
}

/** A Job's normalised form; the cron expression and time zone are checked here. */
export function normaliseJob({ doc, at }: Located<JobDoc>, pod: PodSpec, out: Diagnostic[]): JobSpec {
  const s = doc.spec;
  if (s.schedule !== undefined && !cron.validate(s.schedule)) {
    out.push(diagnosticAt(at, ["spec", "schedule"], "bad-schedule", `schedule ${JSON.stringify(s.schedule)} is not a valid cron expression (5 fields: minute hour day-of-month month day-of-week, or 6 with seconds first)`));
  }
  const timezone = s.timezone ?? DEFAULT_JOB.timezone;
  if (!isTimeZone(timezone)) {
    out.push(diagnosticAt(at, ["spec", "timezone"], "bad-timezone", `time zone ${JSON.stringify(timezone)} is not a known IANA time zone (e.g. UTC, Europe/Paris)`));
  }
  return {
    name: doc.metadata.name,
    pod,
    placement: normalisePlacement(s.placement),
    ...(s.schedule === undefined ? {} : { schedule: s.schedule }),
    timezone,
    concurrency: s.concurrency ?? DEFAULT_JOB.concurrency,
    ...(s.timeout === undefined ? {} : { timeoutMs: parseDuration(s.timeout) }),
    historyLimit: s.historyLimit ?? DEFAULT_JOB.historyLimit,
    labels: { ...(doc.metadata.labels ?? {}) },
    source: { file: at.file, line: at.start.line },
  };
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
