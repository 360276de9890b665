/**
 * Candidate hosts: for each distinct set of constraints, the hosts that pass
 * the fixed filters (state, constraints), computed once per run, shuffled by
 * the seed, and split by the values of a spread label when a group spreads.
 */
import type { FleetState } from "./fleet-state.ts";
import type { Filter, Pod } from "./filters.ts";
import { hashString, seededRandom, shuffleInPlace } from "./random.ts";
import { SpreadBalance } from "./scorers.ts";
import type { Constraint } from "./types.ts";

/** Up to this many hosts in a list, every one is scored; larger lists score a bounded sample. */
export const FULL_SCAN = 256;

/** Hosts to try, in the order tried. */
export interface Candidates {
  readonly hosts: Int32Array;
  /** How many hosts that pass every filter are scored before taking the best. */
  readonly limit: number;
  /** Where the next search starts (lists longer than FULL_SCAN rotate, as Nomad's do). */
  cursor: number;
  /**
   * Smallest pod size (millicores, bytes) that no host here could fit: free
   * capacity only shrinks during a run, so a pod at least this large in both
   * dimensions fails at once instead of rescanning the list.
   */
  fullCpu: number;
  fullMem: number;
}

function candidates(hosts: Int32Array): Candidates {
  const n = hosts.length;
  return { hosts, limit: n <= FULL_SCAN ? n : Math.max(4, Math.ceil(Math.log2(n))), cursor: 0, fullCpu: Infinity, fullMem: Infinity };
}

/** The eligible hosts split by the value of one label, values in name order (`""` for hosts without it). */
export interface SpreadBuckets {
  readonly buckets: readonly Candidates[];
  readonly bucketOf: ReadonlyMap<string, number>;
  /** Reused by each group that spreads over these buckets, one after the other. */
  readonly balance: SpreadBalance;
}

/** The hosts that pass the fixed filters for one set of constraints. */
export interface EligibleHosts {
  /** 1 for a host that passes, by host number. */
  readonly mask: Uint8Array;
  readonly all: Candidates;
  readonly byLabel: Map<string, SpreadBuckets>;
}

/** A set of constraints as a key, the same whatever order they are listed in. */
export function constraintKey(constraints: readonly Constraint[]): string {
  if (constraints.length === 0) return "";
  if (constraints.length === 1) {
    const c = constraints[0]!;
    return `${c.label}\u0001${c.op}\u0001${c.values.join("\u0002")}`;
  }
  return constraints.map((c) => `${c.label}\u0001${c.op}\u0001${c.values.join("\u0002")}`).sort().join("\u0000");
}

/** Eligible hosts per set of constraints, computed on first use. */
export class EligibleIndex {
  private readonly sets = new Map<string, EligibleHosts>();

  constructor(
    private readonly st: FleetState,
    private readonly fixed: readonly Filter[],
    private readonly seed: number,
  ) {}

  /** The eligible hosts for `pod`'s constraints. */
  of(pod: Pod): EligibleHosts {
    const key = constraintKey(pod.constraints);
    let e = this.sets.get(key);
    if (!e) {
      const { st, fixed } = this;
      const n = st.hosts.length;
      const mask = new Uint8Array(n);
      const list: number[] = [];
      for (let h = 0; h < n; h++) {
        if (fixed.every((f) => f.passes(st, pod, h))) {
          mask[h] = 1;
          list.push(h);
        }
      }
      const all = Int32Array.from(list);
      shuffleInPlace(all, seededRandom(hashString(key, this.seed >>> 0)));
      e = { mask, all: candidates(all), byLabel: new Map() };
      this.sets.set(key, e);
    }
    return e;
  }

  /** `eligible` split by the values of `label`. */
  spreadOver(eligible: EligibleHosts, label: string): SpreadBuckets {
    let b = eligible.byLabel.get(label);
    if (!b) {
      const lists = new Map<string, number[]>();
      for (const h of eligible.all.hosts) {
        const v = this.st.hosts[h]!.labels[label] ?? "";
        const l = lists.get(v);
        if (l) l.push(h);
        else lists.set(v, [h]);
      }
      const values = [...lists.keys()].sort((a, z) => (a < z ? -1 : 1));
      b = {
        buckets: values.map((v) => candidates(Int32Array.from(lists.get(v)!))),
        bucketOf: new Map(values.map((v, i) => [v, i])),
        balance: new SpreadBalance(values.length),
      };
      eligible.byLabel.set(label, b);
    }
    return b;
  }
}
