/**
 * The scheduler's inputs and outputs: plain data, independent of the YAML
 * model (reconciler/ maps its Fleet onto these). Resources are cores and
 * bytes.
 */

export interface Resources {
  readonly cpu: number;
  readonly memory: number;
}

export type HostState = "ready" | "drained" | "down";

export interface SchedHost {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly capacity: Resources;
  readonly state: HostState;
  /** Host ports taken by something berth does not schedule. */
  readonly portsInUse?: readonly number[];
  /** Kept free for the engine and unmanaged containers. */
  readonly reserved?: Resources;
}

export type ConstraintOp = "==" | "!=" | "in" | "notin" | "exists";

export interface Constraint {
  readonly label: string;
  readonly op: ConstraintOp;
  /** One value for `==`/`!=`, several for `in`/`notin`, none for `exists`. */
  readonly values: readonly string[];
}

/** A service (or a job run): `replicas` identical pods to place. */
export interface SchedGroup {
  readonly kind: "service" | "job";
  readonly name: string;
  readonly replicas: number;
  /** What one pod needs. */
  readonly resources: Resources;
  /** Fixed host ports one pod binds. */
  readonly hostPorts: readonly number[];
  readonly constraints: readonly Constraint[];
  /** Keep replica counts per value of this host label even (±1). */
  readonly spread?: string;
  /** `binpack` fills the most allocated hosts first, `spread` the least. */
  readonly strategy: "binpack" | "spread";
  /** Replicas on distinct hosts (default true); false allows packing several on one host. */
  readonly distinctHosts?: boolean;
}

/** Where one replica (a slot of a group) runs, or is to run. */
export interface SlotPlacement {
  readonly group: string;
  readonly slot: number;
  readonly host: string;
}

export interface ScheduleInput {
  readonly hosts: readonly SchedHost[];
  readonly groups: readonly SchedGroup[];
  /** Placements read from the running containers; kept where they still fit. */
  readonly current: readonly SlotPlacement[];
  /** Seeds the order candidates are tried in; same inputs and seed, same result. */
  readonly seed: number;
}

export interface ReasonCount {
  /** E.g. `cpu exhausted (needs 0.5, most free 0.25)`, `constraint zone == a not met`. */
  readonly reason: string;
  readonly hosts: number;
}

export interface UnplacedSlots {
  readonly group: string;
  readonly slots: readonly number[];
  /** `byReason` as one line: `4 hosts: cpu exhausted (...); 2 hosts: constraint zone == a not met`. */
  readonly reason: string;
  readonly byReason: readonly ReasonCount[];
}

export interface ScheduleResult {
  /** Sorted by group, then slot. */
  readonly placements: readonly SlotPlacement[];
  /** Sorted by group. */
  readonly unplaced: readonly UnplacedSlots[];
}
