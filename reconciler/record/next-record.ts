/**
 * The record after a pass, from what was observed then. Pure.
 *
 * - slots: where each slot's pod was seen now; for a host that was not
 *   observed, what the previous record said (it may still run there);
 *   then where the apply about to run will start pods (`planned`), so a
 *   crash in the middle of it leaves no pod the record does not know of.
 * - observed and lastSeen: every host observed now or before, and when.
 * - darkSince: for each host observed before and out of sight now, when a
 *   pass first found it so (this one, unless an earlier one did).
 * - hosts: the Host documents in git, and those of hosts that left git
 *   while pods of this owner may remain there (unobserved, or seen with
 *   service pods); a host that left git and was seen without them is
 *   forgotten.
 * - commit and jobs: the commit the pass converged to, when it did;
 *   otherwise the previous record's.
 */
import type { DeployedRecord, JobRecord, SlotRecord } from "../model/deployed.ts";
import type { Fleet, JobSpec } from "../model/fleet.ts";
import type { ObservedContainerView } from "../plan/observed-pods.ts";
import type { PlanHost } from "../plan/types.ts";

export interface NextRecordInput {
  readonly owner: string;
  readonly now: number;
  /** The fleet of the commit the pass targeted. */
  readonly fleet: Pick<Fleet, "hosts" | "jobs">;
  readonly commit: string;
  /** True when that commit was applied (converged or in sync); false keeps the previous commit and jobs. */
  readonly applied: boolean;
  /** The hosts as the last observation saw them (in git, and those that left it). */
  readonly hosts: readonly PlanHost[];
  /** Containers of this owner observed then. */
  readonly observed: readonly ObservedContainerView[];
  readonly previous?: DeployedRecord;
  /** Slots the apply about to run starts pods for (creates, replacements), on their target hosts. */
  readonly planned?: readonly SlotRecord[];
  /** Commits held (rolled back or refused), newest last; absent keeps the previous record's. */
  readonly held?: DeployedRecord["held"];
  /** Autoscaled counts; absent keeps the previous record's. */
  readonly autoscaled?: DeployedRecord["autoscaled"];
}

/** Jobs as the record keeps them. */
export function jobRecords(jobs: readonly JobSpec[]): JobRecord[] {
  return jobs.map((j) => ({ name: j.name, pod: j.pod, timezone: j.timezone, concurrency: j.concurrency, ...(j.schedule ? { schedule: j.schedule } : {}), ...(j.timeoutMs !== undefined ? { timeoutMs: j.timeoutMs } : {}) }));
}

/**
 * A record made up from the commit that is deployed (the one the observed
 * pods carry), for a machine that never applied: that commit's hosts and
 * jobs, and no knowledge of where any slot ran.
 */
export function recordFromCommit(owner: string, commit: string, fleet: Pick<Fleet, "hosts" | "jobs">, now: number): DeployedRecord {
  return { apiVersion: "berth/v1", kind: "DeployedRecord", owner, commit, at: new Date(now).toISOString(), hosts: [...fleet.hosts], observed: [], slots: [], jobs: jobRecords(fleet.jobs), fromCommit: true };
}

export function nextRecord(input: NextRecordInput): DeployedRecord {
  const { previous, fleet } = input;
  const seen = new Set(input.hosts.filter((h) => h.state !== "unreachable").map((h) => h.name));
  const inGit = new Set(fleet.hosts.map((h) => h.name));
  const withPods = new Set(input.observed.filter((c) => c.kind === "service").map((c) => c.host));
  const departed = (previous?.hosts ?? []).filter((h) => !inGit.has(h.name) && (!seen.has(h.name) || withPods.has(h.name)));
  const kept = new Set([...inGit, ...departed.map((h) => h.name)]);

  const slots = new Map<string, SlotRecord>();
  for (const s of previous?.slots ?? []) if (!seen.has(s.host) && kept.has(s.host)) slots.set(`${s.group}\u0000${s.slot}`, s);
  const main = input.observed.filter((c) => c.kind === "service" && c.container === "main" && seen.has(c.host));
  // A running pod stands for its slot over a stopped one (an unfinished rollout). Of two running pods in one slot
  // (a lost host back with the pod whose slot was moved), the one where the record last put the slot stays its host.
  const before = new Map((previous?.slots ?? []).map((s) => [`${s.group}\u0000${s.slot}`, s.host]));
  const runningHere = new Set<string>();
  for (const c of [...main].sort((a, b) => Number(a.state === "running") - Number(b.state === "running"))) {
    const key = `${c.group}\u0000${c.slot}`;
    if (c.state === "running" && runningHere.has(key) && slots.get(key)?.host === before.get(key)) continue;
    if (c.state === "running") runningHere.add(key);
    slots.set(key, { group: c.group, slot: c.slot, host: c.host });
  }
  for (const s of input.planned ?? []) slots.set(`${s.group}\u0000${s.slot}`, s);
  const at = new Date(input.now).toISOString();
  const lastSeen = Object.fromEntries([...Object.entries(previous?.lastSeen ?? {}).filter(([h]) => kept.has(h)), ...[...seen].filter((h) => kept.has(h)).map((h) => [h, at])].sort(([a], [b]) => (a! < b! ? -1 : 1)));

  const darkSince = Object.fromEntries(
    Object.keys(lastSeen)
      .filter((h) => !seen.has(h))
      .map((h) => [h, previous?.darkSince?.[h] ?? at]),
  );

  const jobs = input.applied ? jobRecords(fleet.jobs) : (previous?.jobs ?? []);
  return {
    apiVersion: "berth/v1",
    kind: "DeployedRecord",
    owner: input.owner,
    commit: input.applied ? input.commit : (previous?.commit ?? ""),
    at,
    hosts: [...fleet.hosts, ...departed].sort((a, b) => a.name.localeCompare(b.name)),
    observed: [...new Set([...(previous?.observed ?? []).filter((h) => kept.has(h)), ...[...seen].filter((h) => kept.has(h))])].sort(),
    lastSeen,
    ...(Object.keys(darkSince).length > 0 ? { darkSince } : {}),
    // The newest 20 are enough: only a commit that is still the newest can be retried.
    held: (input.held ?? previous?.held ?? []).slice(-20),
    slots: [...slots.values()].sort((a, b) => a.group.localeCompare(b.group) || a.slot - b.slot),
    jobs,
    ...(input.autoscaled ?? previous?.autoscaled ? { autoscaled: input.autoscaled ?? previous!.autoscaled! } : {}),
  };
}
