/**
 * The Job half of the diff: each Job git declares against the version
 * applied before, into create / update / remove / keep with the fields that
 * changed. Pure: `now` is passed in, for the next runs.
 *
 * The version applied before comes from the deployment record, which keeps
 * every field of a Job. Without a record (a first plan, or a lost state
 * folder) it comes from the newest run seen on the engines, which only
 * tells the pod.
 */
import type { JobRecord } from "../model/deployed.ts";
import type { JobSpec } from "../model/fleet.ts";
import type { PodSpec } from "../model/pod.ts";
import type { ObservedContainer } from "../docker/types.ts";
import { LABEL } from "../docker/labels.ts";
import { nextRuns } from "./next-runs.ts";
import { describeSpecChanges } from "./spec-changes.ts";
import type { JobPlan } from "./types.ts";

/** What the job diff needs of an observed container: job runs carry kind `job`, the job's name as group, and the pod spec in `berth.spec`. */
export type JobRunView = Pick<ObservedContainer, "kind" | "group" | "container" | "pod" | "labels" | "specHash" | "createdAt">;

export interface JobDiffInput {
  /** The jobs git declares. */
  readonly desired: readonly JobSpec[];
  /** The jobs of the deployment record; absent when there is no record at all (then runs tell what ran). */
  readonly record?: readonly JobRecord[];
  /** Observed containers; only main containers of job runs are read, and only without a record. */
  readonly runs: readonly JobRunView[];
  /** Milliseconds since the epoch: the next runs are counted from it. */
  readonly now: number;
}

/** What is known of a job's previous version. */
interface Previous {
  readonly from: "record" | "run";
  readonly specHash: string;
  /** Absent when a run's `berth.spec` label cannot be read. */
  readonly pod?: PodSpec;
  /** Absent for a run: see `fromRuns`. */
  readonly job?: Pick<JobRecord, "timezone" | "concurrency" | "schedule" | "timeoutMs">;
}

/** Shown in a plan's pod instead of an env value or a secret's location. */
export const REDACTED = "(redacted)";

/** The pod spec a run recorded in its `berth.spec` label, when it reads as one. */
function parseSpec(text: string | undefined): PodSpec | undefined {
  if (text === undefined) return undefined;
  try {
    const spec = JSON.parse(text) as PodSpec | null;
    return typeof spec === "object" && spec !== null && Array.isArray(spec.containers) ? spec : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The newest run of each job, by creation time. A run container carries the
 * pod it was created from, but not the job's schedule, time zone,
 * concurrency or timeout: those live only in git and in the record, so a
 * previous version read from a run has no `job` part and only its pod is
 * compared.
 */
function fromRuns(runs: readonly JobRunView[]): Map<string, Previous> {
  const newest = new Map<string, JobRunView>();
  for (const r of runs) {
    if (r.kind !== "job" || r.container !== "main") continue;
    const seen = newest.get(r.group);
    if (!seen || r.createdAt > seen.createdAt || (r.createdAt === seen.createdAt && r.pod > seen.pod)) newest.set(r.group, r);
  }
  const out = new Map<string, Previous>();
  for (const [name, r] of newest) {
    const pod = parseSpec(r.labels[LABEL.spec]);
    out.set(name, { from: "run", specHash: r.specHash, ...(pod ? { pod } : {}) });
  }
  return out;
}

function fromRecord(record: readonly JobRecord[]): Map<string, Previous> {
  return new Map(
    record.map((j) => [
      j.name,
      {
        from: "record",
        specHash: j.pod.specHash,
        pod: j.pod,
        job: { timezone: j.timezone, concurrency: j.concurrency, ...(j.schedule !== undefined ? { schedule: j.schedule } : {}), ...(j.timeoutMs !== undefined ? { timeoutMs: j.timeoutMs } : {}) },
      },
    ]),
  );
}

/** `10m`, `1h30m`, `1s500ms`: the form a user writes in `timeout:`. */
function formatDuration(ms: number): string {
  const units: [string, number][] = [["h", 3_600_000], ["m", 60_000], ["s", 1_000], ["ms", 1]];
  let rest = ms;
  let out = "";
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out || "0s";
}

const scheduleText = (s: string | undefined) => (s === undefined ? "on demand" : JSON.stringify(s));
const timeoutText = (ms: number | undefined) => (ms === undefined ? "none" : formatDuration(ms));

/** What differs between the previous version and the desired job; never an env value. */
function changesOf(prev: Previous, job: JobSpec): string[] {
  const out: string[] = [];
  if (prev.specHash !== job.pod.specHash) out.push(...(prev.pod ? describeSpecChanges(prev.pod, job.pod) : ["spec changed"]));
  const p = prev.job;
  if (p) {
    if (p.schedule !== job.schedule) out.push(`schedule ${scheduleText(p.schedule)} → ${scheduleText(job.schedule)}`);
    if (p.timezone !== job.timezone) out.push(`timezone ${p.timezone} → ${job.timezone}`);
    if (p.concurrency !== job.concurrency) out.push(`concurrency ${p.concurrency} → ${job.concurrency}`);
    if (p.timeoutMs !== job.timeoutMs) out.push(`timeout ${timeoutText(p.timeoutMs)} → ${timeoutText(job.timeoutMs)}`);
  }
  return out;
}

/**
 * The desired pod as a plan shows it: env values and where secrets are read
 * from are replaced by REDACTED, names kept. A plan is read in pull
 * requests; the job runner reads its pod from the fleet, not from the plan.
 */
function shownPod(pod: PodSpec): PodSpec {
  return {
    ...pod,
    containers: pod.containers.map((c) => ({
      ...c,
      env: Object.fromEntries(Object.keys(c.env).map((k) => [k, REDACTED])),
      secretEnv: c.secretEnv.map((s) => ("fromEnv" in s ? { name: s.name, fromEnv: REDACTED } : { name: s.name, fromFile: REDACTED })),
    })),
  };
}

/**
 * Plans every Job: `create` when nothing was applied before, `update` with
 * the changed fields, `keep`, and `remove` for a job applied before that
 * git no longer declares. Sorted by name.
 *
 * @example
 * const jobs = diffJobs({ desired: fleet.jobs, record: record?.jobs, runs: observed, now: input.now });
 */
export function diffJobs(input: JobDiffInput): JobPlan[] {
  // A record knows every job berth applied; a job it lacks is new, whatever
  // runs are seen. Runs are only read when there is no record at all.
  const previous = input.record ? fromRecord(input.record) : fromRuns(input.runs);
  const plans: JobPlan[] = input.desired.map((job) => {
    const prev = previous.get(job.name);
    const changes = prev ? changesOf(prev, job) : [];
    return {
      name: job.name,
      action: !prev ? "create" : changes.length > 0 ? "update" : "keep",
      changes,
      ...(job.schedule !== undefined ? { schedule: job.schedule, timezone: job.timezone } : {}),
      nextRuns: job.schedule !== undefined ? nextRuns(job.schedule, job.timezone, input.now) : [],
      pod: shownPod(job.pod),
      ...(prev ? { previousFrom: prev.from } : {}),
    };
  });
  const wanted = new Set(input.desired.map((j) => j.name));
  for (const [name, prev] of previous) {
    if (!wanted.has(name)) plans.push({ name, action: "remove", changes: [], nextRuns: [], previousFrom: prev.from });
  }
  return plans.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
