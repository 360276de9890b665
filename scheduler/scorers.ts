/**
 * Scorers: among the hosts that pass every filter, which is best. The
 * strategy score gives each candidate host a number (higher is better); the
 * spread balance orders the values of a host label (zones) so the least used
 * is tried first.
 */
import type { FleetState } from "./fleet-state.ts";
import type { Pod } from "./filters.ts";

/** Fraction of host `h` allocated (mean of cpu and memory) if `pod` were added. */
export function allocationAfter(st: FleetState, pod: Pod, h: number): number {
  const capCpu = st.capCpu(h);
  const capMem = st.capMem(h);
  const cpu = capCpu > 0 ? (capCpu - st.freeCpu(h) + pod.cpuMilli) / capCpu : 1;
  const mem = capMem > 0 ? (capMem - st.freeMem(h) + pod.memory) / capMem : 1;
  return (cpu + mem) / 2;
}

/**
 * A group's `strategy` as the direction of its score, allocation after the
 * pod × direction: `binpack` prefers the most allocated host, `spread` the
 * least. One scoring function with a sign, rather than one function per
 * strategy, keeps the call in the candidate loop to a single target the
 * engine inlines (two targets, called 2.2 million times a run from empty
 * in bench:scheduler, were not inlined and took about a fifth of it).
 */
export function directionOf(strategy: "binpack" | "spread"): 1 | -1 {
  return strategy === "binpack" ? 1 : -1;
}

/** How good host `h` is for `pod` under a strategy's `direction`; higher is better. */
export function strategyScore(st: FleetState, pod: Pod, h: number, direction: 1 | -1): number {
  return direction * allocationAfter(st, pod, h);
}

/**
 * Keeps one group's replica counts per value of its spread label even: the
 * values (buckets, numbered in name order) are tried least used first, ties
 * by name. The order is kept sorted as counts grow, instead of re-sorted for
 * every replica; `reset` readies it for the next group.
 */
export class SpreadBalance {
  private readonly counts: Int32Array;
  /** Bucket numbers, least used first. */
  readonly order: Int32Array;
  /** Where each bucket is in `order`. */
  private readonly at: Int32Array;

  constructor(buckets: number) {
    this.counts = new Int32Array(buckets);
    this.order = new Int32Array(buckets);
    this.at = new Int32Array(buckets);
    this.reset();
  }

  reset(): void {
    this.counts.fill(0);
    for (let i = 0; i < this.order.length; i++) this.order[i] = this.at[i] = i;
  }

  /** One more replica in `bucket`: it moves behind the buckets that now have fewer, or as many and a smaller number. */
  placed(bucket: number): void {
    const { counts, order, at } = this;
    const c = ++counts[bucket]!;
    let p = at[bucket]!;
    for (let next = order[p + 1]; next !== undefined && (counts[next]! < c || (counts[next] === c && next < bucket)); next = order[p + 1]) {
      order[p] = next;
      at[next] = p++;
    }
    order[p] = bucket;
    at[bucket] = p;
  }
}
