/**
 * Filters: whether a host can take a pod, and if not, why. The placement
 * loop uses the fast boolean checks; the explanation of an unplaced replica
 * asks every host for its first failing reason.
 */
import { FleetState, STATE_DOWN, STATE_DRAINED } from "./fleet-state.ts";
import type { Constraint } from "./types.ts";

/** Whether a host with `labels` meets one hard constraint. */
export function constraintHolds(labels: Readonly<Record<string, string>>, c: Constraint): boolean {
  const value = labels[c.label];
  switch (c.op) {
    case "exists":
      return value !== undefined;
    case "==":
      return value !== undefined && value === c.values[0];
    case "!=":
      return value !== c.values[0];
    case "in":
      return value !== undefined && c.values.includes(value);
    case "notin":
      return value === undefined || !c.values.includes(value);
  }
}

/** A constraint as users write it, for explanations: `zone == a`, `ssd exists`. */
export function describeConstraint(c: Constraint): string {
  switch (c.op) {
    case "exists":
      return `constraint ${c.label} exists not met`;
    case "in":
    case "notin":
      return `constraint ${c.label} ${c.op} (${c.values.join(", ")}) not met`;
    default:
      return `constraint ${c.label} ${c.op} ${c.values[0] ?? ""} not met`;
  }
}

/** Whether a host with `labels` meets every hard constraint. */
export function constraintsHold(labels: Readonly<Record<string, string>>, constraints: readonly Constraint[]): boolean {
  for (const c of constraints) if (!constraintHolds(labels, c)) return false;
  return true;
}

/** Why a host cannot take the pod, as a reason key for aggregation; undefined when it can. */
export type RejectReason =
  | { readonly key: "down" | "drained" | "distinct" }
  | { readonly key: "constraint"; readonly text: string }
  | { readonly key: "port"; readonly port: number }
  | { readonly key: "cpu" | "memory"; readonly free: number };

export interface PodNeeds {
  readonly cpuMilli: number;
  readonly memory: number;
  readonly ports: readonly number[];
  readonly constraints: readonly Constraint[];
}

/** The filters in order (state, constraints, distinct hosts, ports, cpu, memory): the first that rejects host `h`, or undefined when it passes. */
export function rejectReason(st: FleetState, h: number, needs: PodNeeds, alreadyUsed: boolean): RejectReason | undefined {
  if (st.state[h] === STATE_DOWN) return { key: "down" };
  if (st.state[h] === STATE_DRAINED) return { key: "drained" };
  const labels = st.hosts[h]!.labels;
  for (const c of needs.constraints) if (!constraintHolds(labels, c)) return { key: "constraint", text: describeConstraint(c) };
  if (alreadyUsed) return { key: "distinct" };
  const used = st.ports[h];
  if (used) for (const p of needs.ports) if (used.has(p)) return { key: "port", port: p };
  if (st.freeCpu[h]! < needs.cpuMilli) return { key: "cpu", free: st.freeCpu[h]! };
  if (st.freeMem[h]! < needs.memory) return { key: "memory", free: st.freeMem[h]! };
  return undefined;
}
