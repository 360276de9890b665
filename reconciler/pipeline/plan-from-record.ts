/**
 * The plan as `berth plan`, `berth apply` and the daemon make it: with the
 * deployment record of the state folder, so hosts that left git are
 * observed and emptied and slots last seen on a dark host stay unknown;
 * and the record written again from what the engines show after an apply.
 */
import type { HostObservation } from "../docker/types.ts";
import type { DeployedRecord, SlotRecord } from "../model/deployed.ts";
import type { Plan } from "../plan/types.ts";
import { plainTcpAllowed, tcpHost } from "../config/engine-rules.ts";
import type { OperatorRules } from "../load/check-operator.ts";
import type { Fleet, HostSpec } from "../model/fleet.ts";
import type { StateStore } from "../record/state-store.ts";
import { nextRecord, recordFromCommit } from "../record/next-record.ts";
import { connectHosts, departedHosts, type ConnectedHosts } from "./connect-hosts.ts";
import { observeHosts, planObserved, type PlannedFleet } from "./plan-fleet.ts";
import { observeProxies } from "../traffic/observe-proxies.ts";

export interface RecordedPlanInput {
  readonly fleet: Fleet;
  /** The operator's rules: `hostLostAfter`, and which plain-TCP engines a host that left git may still be reached at. */
  readonly operator: OperatorRules;
  readonly owner: string;
  readonly commit: string;
  /** Where the record is read from: the state folder, or etcd with `--lock`. */
  readonly store: StateStore;
  readonly now: number;
  readonly seed: number;
  /** Told when the record cannot be read (it is then treated as absent). */
  readonly warn?: (message: string) => void;
  /** Without a record: reads the commit the observed pods carry, for its hosts and jobs (cli/previous-commit.ts). */
  readonly readCommit?: (sha: string) => Promise<Pick<Fleet, "hosts" | "jobs"> | undefined>;
}

export interface RecordedPlan extends PlannedFleet {
  readonly connected: ConnectedHosts;
  readonly record?: DeployedRecord;
}

/**
 * The record's hosts that left git and that berth may still connect to. A
 * record is berth's own file, but the operator's rules may have tightened
 * since it was written: a plain-TCP engine they no longer allow is not
 * contacted, and the user is told.
 */
export function reachableDeparted(input: { inGit: readonly HostSpec[]; operator: OperatorRules }, record: DeployedRecord | undefined, warn?: (m: string) => void): HostSpec[] {
  return departedHosts(input.inGit, record?.hosts).filter((h) => {
    const host = h.insecure ? tcpHost(h.endpoint) : undefined;
    if (host === undefined || plainTcpAllowed(host, input.operator.config)) return true;
    warn?.(`host ${h.name} left git, and its plain-TCP endpoint ${h.endpoint} is no longer allowed (engines.plainTcp): it is not contacted, and pods of this source may remain there`);
    return false;
  });
}

/** Reads the record, connects the hosts in git and those that left it, and plans. */
export async function planFromRecord(input: RecordedPlanInput, connect: typeof connectHosts = connectHosts): Promise<RecordedPlan> {
  const read = await input.store.readRecord();
  if (read.problem) input.warn?.(read.problem);
  let record = read.record;
  // Without a record the hosts in git are looked at first, for the commit their pods carry; that look is the plan's too.
  let inGitSeen: HostObservation[] | undefined;
  if (!record && input.readCommit) {
    inGitSeen = await observeHosts(connect(input.fleet.hosts, process.env, [], input.operator.config), input.owner);
    record = await recordFromDeployedCommit(input, inGitSeen);
  }
  const connected = connect(input.fleet.hosts, process.env, reachableDeparted({ inGit: input.fleet.hosts, operator: input.operator }, record, input.warn), input.operator.config);
  const departedOnly = <T>(m: ReadonlyMap<string, T>): Map<string, T> => new Map([...m].filter(([name]) => connected.departed.has(name)));
  const observations = inGitSeen
    ? [...inGitSeen, ...(await observeHosts({ hosts: departedOnly(connected.hosts), refused: departedOnly(connected.refused) }, input.owner))]
    : await observeHosts(connected, input.owner);
  const planned = planObserved({ fleet: input.fleet, connected, owner: input.owner, commit: input.commit, now: input.now, seed: input.seed, hostLostAfterMs: input.operator.config.hostLostAfterMs, traffic: input.operator.config.traffic, ...(record ? { record } : {}) }, observations, await observeProxies(connected.hosts, observations));
  return { ...planned, connected, ...(record ? { record } : {}) };
}

/** Where an apply of `plan` starts pods: what the record must know before it begins, in case it never ends. */
export function plannedSlots(plan: Plan): SlotRecord[] {
  return plan.services.flatMap((s) => s.changes.flatMap((c) => (c.action === "create" || c.action === "replace" || c.action === "recreate" ? [{ group: s.name, slot: c.slot, host: c.host }] : [])));
}

/** The commit most of this owner's observed service pods were created from. */
export function deployedCommit(observations: readonly HostObservation[]): string | undefined {
  const count = new Map<string, number>();
  for (const o of observations) if (o.ok) for (const c of o.containers) if (c.kind === "service" && c.container === "main" && c.commit) count.set(c.commit, (count.get(c.commit) ?? 0) + 1);
  return [...count].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
}

/** Without a record: a record made up from the commit the observed pods carry, when it can be read. */
async function recordFromDeployedCommit(input: RecordedPlanInput, seen: readonly HostObservation[]): Promise<DeployedRecord | undefined> {
  if (!input.readCommit) return undefined;
  const sha = deployedCommit(seen);
  const fleet = sha === input.commit ? input.fleet : sha ? await input.readCommit(sha) : undefined;
  return sha && fleet ? recordFromCommit(input.owner, sha, fleet, input.now) : undefined;
}

/**
 * Writes the record from an observation: after an apply (or an in-sync
 * plan), and before one, with the slots it is about to start (`planned`).
 */
export async function saveRecord(
  input: { store: StateStore; owner: string; now: number; fleet: Fleet; commit: string; applied: boolean; previous?: DeployedRecord; connected: ConnectedHosts; planned?: readonly SlotRecord[]; held?: DeployedRecord["held"]; autoscaled?: DeployedRecord["autoscaled"] },
  after: PlannedFleet,
): Promise<DeployedRecord> {
  const record = nextRecord({
    owner: input.owner,
    now: input.now,
    fleet: { hosts: input.connected.specs.filter((h) => !input.connected.departed.has(h.name)), jobs: input.fleet.jobs },
    commit: input.commit,
    applied: input.applied,
    hosts: after.plan.hosts,
    observed: after.observations.flatMap((o) => (o.ok ? o.containers : [])),
    ...(input.previous ? { previous: input.previous } : {}),
    ...(input.planned ? { planned: input.planned } : {}),
    ...(input.held ? { held: input.held } : {}),
    ...(input.autoscaled ? { autoscaled: input.autoscaled } : {}),
  });
  await input.store.writeRecord(record);
  return record;
}
