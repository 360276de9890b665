/**
 * The plan as `berth plan`, `berth apply` and the daemon make it: with the
 * deployment record of the state folder, so hosts that left git are
 * observed and emptied and slots last seen on a dark host stay unknown;
 * and the record written again from what the engines show after an apply.
 */
import type { DeployedRecord } from "../model/deployed.ts";
import type { Fleet } from "../model/fleet.ts";
import { readRecord, writeRecord } from "../record/deployed-record.ts";
import { nextRecord } from "../record/next-record.ts";
import { connectHosts, departedHosts, type ConnectedHosts } from "./connect-hosts.ts";
import { planFleet, type PlannedFleet } from "./plan-fleet.ts";

export interface RecordedPlanInput {
  readonly fleet: Fleet;
  readonly owner: string;
  readonly commit: string;
  readonly stateDir: string;
  readonly now: number;
  readonly seed: number;
  /** Told when the record cannot be read (it is then treated as absent). */
  readonly warn?: (message: string) => void;
}

export interface RecordedPlan extends PlannedFleet {
  readonly connected: ConnectedHosts;
  readonly record?: DeployedRecord;
}

/** Reads the record, connects the hosts in git and those that left it, and plans. */
export async function planFromRecord(input: RecordedPlanInput, connect: typeof connectHosts = connectHosts): Promise<RecordedPlan> {
  const { record, problem } = readRecord(input.stateDir, input.owner);
  if (problem) input.warn?.(problem);
  const connected = connect(input.fleet.hosts, process.env, departedHosts(input.fleet.hosts, record?.hosts));
  const planned = await planFleet({ fleet: input.fleet, connected, owner: input.owner, commit: input.commit, now: input.now, seed: input.seed, ...(record ? { record } : {}) });
  return { ...planned, connected, ...(record ? { record } : {}) };
}

/** Writes the record from an observation made after an apply (or an in-sync plan). */
export function saveRecord(input: { stateDir: string; owner: string; now: number; fleet: Fleet; commit: string; applied: boolean; previous?: DeployedRecord; connected: ConnectedHosts }, after: PlannedFleet): DeployedRecord {
  const record = nextRecord({
    owner: input.owner,
    now: input.now,
    fleet: { hosts: input.connected.specs.filter((h) => !input.connected.departed.has(h.name)), jobs: input.fleet.jobs },
    commit: input.commit,
    applied: input.applied,
    hosts: after.plan.hosts,
    observed: after.observations.flatMap((o) => (o.ok ? o.containers : [])),
    ...(input.previous ? { previous: input.previous } : {}),
  });
  writeRecord(input.stateDir, record);
  return record;
}
