/**
 * What berth deployed, where: the durable record a reconciler keeps in its
 * state folder (reconciler/record/). A plan reads it to find hosts that
 * left git, slots last seen on a host that cannot be observed now, and the
 * job specs it last applied. It is rebuilt after every apply from what the
 * engines show, so it never holds more than the engines' labels plus what
 * they cannot tell (how to reach a host, which hosts were ever observed).
 */
import type { HostSpec, JobSpec } from "./fleet.ts";

/** A Job as it was last applied. */
export type JobRecord = Pick<JobSpec, "name" | "pod" | "timezone" | "concurrency"> & Partial<Pick<JobSpec, "schedule" | "timeoutMs">>;

export interface SlotRecord {
  readonly group: string;
  readonly slot: number;
  readonly host: string;
}

/** An autoscaled service's count as the last decision set it (autoscale/). */
export interface AutoscaledCount {
  readonly replicas: number;
  /** ISO time of the decision. */
  readonly at: string;
  /** The metrics against their targets then: `cpu 83 % vs target 60 %`. */
  readonly reason: string;
}

export interface DeployedRecord {
  readonly apiVersion: "berth/v1";
  readonly kind: "DeployedRecord";
  readonly owner: string;
  /** The commit last applied. */
  readonly commit: string;
  /** ISO time it was written. */
  readonly at: string;
  /** The hosts in git when it was written, and those that left git while pods of this owner may remain there, as their Host documents said. */
  readonly hosts: readonly HostSpec[];
  /** Hosts whose pods this record knows: observed at least once. A host never observed may run anything of this owner's. */
  readonly observed: readonly string[];
  /** When each host was last observed (ISO), for `hostLostAfter`. */
  readonly lastSeen?: Readonly<Record<string, string>>;
  /**
   * When a pass first found each host that is out of sight now unreachable
   * (ISO); dropped once it answers. The grace counts from the later of this
   * and lastSeen: while every event stream is open, polls observe nothing,
   * so lastSeen alone can be minutes old when an engine goes dark, and the
   * grace would be cut short by that much.
   */
  readonly darkSince?: Readonly<Record<string, string>>;
  /** Where each service slot's pod ran when last observed. */
  readonly slots: readonly SlotRecord[];
  readonly jobs: readonly JobRecord[];
  /** Commits whose rollout failed or that were refused: not retried, after a restart too, until a newer commit arrives. */
  readonly held?: readonly { readonly commit: string; readonly reason: string }[];
  /** The count of each autoscaled service, by name: it belongs to the controller, not to git, and survives restarts and a change of leader. */
  readonly autoscaled?: Readonly<Record<string, AutoscaledCount>>;
  /**
   * True for a record made up from the commit the observed pods carry
   * (`berth.commit`), on a machine that never applied: it knows that
   * commit's hosts and jobs, but not where any slot ran.
   */
  readonly fromCommit?: boolean;
}
