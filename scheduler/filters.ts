/**
 * The filters: the one ordered list of what a host must satisfy to take a
 * pod. Each has a fast check over the typed-array fleet state and says, for
 * the hosts it rejects, why. Placement and the explanation of an unplaced
 * replica both read this list, so a host placement skips is always named
 * with the reason it was skipped for.
 */
import { FleetState, STATE_DOWN, STATE_READY } from "./fleet-state.ts";
import type { Constraint, ReasonCount } from "./types.ts";
import { formatCores, formatMemory } from "./units.ts";

/** One pod of a group, as the filters see it. */
export interface Pod {
  /** The group's name, for reasons. */
  readonly group: string;
  /** The group's mark in `FleetState.takenBy` (> 0, unique within a run). */
  readonly id: number;
  readonly cpuMilli: number;
  readonly memory: number;
  readonly ports: readonly number[];
  readonly constraints: readonly Constraint[];
  /** Replicas of the group must run on distinct hosts. */
  readonly distinct: boolean;
}

export type FilterName = "state" | "constraints" | "distinct" | "ports" | "cpu" | "memory";

export interface Filter {
  readonly name: FilterName;
  /**
   * The verdict depends only on the host and `pod.constraints`, never on
   * what is placed during a run, so placement applies it once per distinct
   * set of constraints (the eligible hosts) instead of once per candidate.
   */
  readonly fixed: boolean;
  /**
   * A host it rejects stays rejected, for the rest of the run, for every pod
   * at least as large in cpu and memory (free capacity only shrinks), which
   * lets placement give up on a full bucket of hosts at once.
   */
  readonly capacity: boolean;
  /** Whether host `h` passes. A few typed-array reads: placement calls it millions of times. */
  readonly passes: (st: FleetState, pod: Pod, h: number) => boolean;
  /** Why, for the hosts this filter was the first to reject: reasons and how many hosts each. */
  readonly explain: (st: FleetState, pod: Pod, hosts: readonly number[]) => ReasonCount[];
}

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

/** Whether a host with `labels` meets every hard constraint. */
export function constraintsHold(labels: Readonly<Record<string, string>>, constraints: readonly Constraint[]): boolean {
  for (const c of constraints) if (!constraintHolds(labels, c)) return false;
  return true;
}

/** A constraint not met, as users write it: `constraint zone == a not met`, `constraint ssd exists not met`. */
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

/** Counts hosts by the reason `reasonOf` gives each, in first-seen order. */
function countBy(hosts: readonly number[], reasonOf: (h: number) => string): ReasonCount[] {
  const counts = new Map<string, number>();
  for (const h of hosts) {
    const r = reasonOf(h);
    counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  return [...counts].map(([reason, n]) => ({ reason, hosts: n }));
}

/** The largest `free(h)` over `hosts`, at least 0. */
function mostFree(hosts: readonly number[], free: (h: number) => number): number {
  let most = 0;
  for (const h of hosts) most = Math.max(most, free(h));
  return most;
}

/** In order: the first filter a host fails is the reason given for it. */
export const FILTERS: readonly Filter[] = [
  {
    name: "state",
    fixed: true,
    capacity: false,
    passes: (st, _pod, h) => st.state[h] === STATE_READY,
    explain: (st, _pod, hosts) => countBy(hosts, (h) => (st.state[h] === STATE_DOWN ? "host down" : "host drained")),
  },
  {
    name: "constraints",
    fixed: true,
    capacity: false,
    passes: (st, pod, h) => constraintsHold(st.hosts[h]!.labels, pod.constraints),
    explain: (st, pod, hosts) =>
      countBy(hosts, (h) => describeConstraint(pod.constraints.find((c) => !constraintHolds(st.hosts[h]!.labels, c))!)),
  },
  {
    name: "distinct",
    fixed: false,
    capacity: false,
    passes: (st, pod, h) => !pod.distinct || st.takenBy[h] !== pod.id,
    explain: (_st, pod, hosts) => [{ reason: `already runs a replica of ${pod.group}`, hosts: hosts.length }],
  },
  {
    name: "ports",
    fixed: false,
    capacity: false,
    passes: (st, pod, h) => {
      if (pod.ports.length === 0) return true;
      const used = st.ports[h];
      if (used) for (const p of pod.ports) if (used.has(p)) return false;
      return true;
    },
    explain: (st, pod, hosts) => countBy(hosts, (h) => `host port ${pod.ports.find((p) => st.ports[h]!.has(p))} in use`),
  },
  {
    name: "cpu",
    fixed: false,
    capacity: true,
    passes: (st, pod, h) => st.freeCpu(h) >= pod.cpuMilli,
    explain: (st, pod, hosts) => [
      { reason: `cpu exhausted (needs ${formatCores(pod.cpuMilli)}, most free ${formatCores(mostFree(hosts, (h) => st.freeCpu(h)))})`, hosts: hosts.length },
    ],
  },
  {
    name: "memory",
    fixed: false,
    capacity: true,
    passes: (st, pod, h) => st.freeMem(h) >= pod.memory,
    explain: (st, pod, hosts) => [
      { reason: `memory exhausted (needs ${formatMemory(pod.memory)}, most free ${formatMemory(mostFree(hosts, (h) => st.freeMem(h)))})`, hosts: hosts.length },
    ],
  },
];

/** The first filter in `filters` that rejects host `h`, or -1 when it passes them all. */
export function firstRejecting(filters: readonly Filter[], st: FleetState, pod: Pod, h: number): number {
  for (let i = 0; i < filters.length; i++) if (!filters[i]!.passes(st, pod, h)) return i;
  return -1;
}

export type FirstRejecting = (st: FleetState, pod: Pod, h: number) => number;

/**
 * `firstRejecting` over a fixed list, as one function. Up to four filters it
 * is written out, so that each `passes` call site only ever sees one
 * function and the engine inlines it: placement runs this for 3.6 million
 * candidate hosts from empty in bench:scheduler, where a loop over the list
 * (one call site for every filter, not inlined) spent about an eighth of
 * the run in the calls. Longer lists loop.
 */
function rejecterOf(filters: readonly Filter[]): FirstRejecting {
  const [a, b, c, d] = filters;
  switch (filters.length) {
    case 0:
      return () => -1;
    case 1:
      return (st, pod, h) => (a!.passes(st, pod, h) ? -1 : 0);
    case 2:
      return (st, pod, h) => (!a!.passes(st, pod, h) ? 0 : !b!.passes(st, pod, h) ? 1 : -1);
    case 3:
      return (st, pod, h) => (!a!.passes(st, pod, h) ? 0 : !b!.passes(st, pod, h) ? 1 : !c!.passes(st, pod, h) ? 2 : -1);
    case 4:
      return (st, pod, h) => (!a!.passes(st, pod, h) ? 0 : !b!.passes(st, pod, h) ? 1 : !c!.passes(st, pod, h) ? 2 : !d!.passes(st, pod, h) ? 3 : -1);
    default:
      return (st, pod, h) => firstRejecting(filters, st, pod, h);
  }
}

/** A list of filters as placement applies it. */
export interface FilterPlan {
  /** Applied once per set of constraints (the eligible hosts). */
  readonly fixed: readonly Filter[];
  /** Checked for each candidate host. */
  readonly moving: readonly Filter[];
  /** `firstRejecting` over `moving`, as one function. */
  readonly rejecting: FirstRejecting;
}

const plans = new WeakMap<readonly Filter[], FilterPlan>();

/**
 * The plan for `filters`, made once per list and kept: with a single
 * composed function for the list, the engine compiles it with that list's
 * checks as constants (composing anew for each run made placement from
 * empty about a third slower in bench:scheduler).
 */
export function filterPlan(filters: readonly Filter[]): FilterPlan {
  let plan = plans.get(filters);
  if (!plan) {
    const moving = filters.filter((f) => !f.fixed);
    plan = { fixed: filters.filter((f) => f.fixed), moving, rejecting: rejecterOf(moving) };
    plans.set(filters, plan);
  }
  return plan;
}
