/**
 * `placePods`: the scheduler, composed as Nomad composes it —
 *
 *   current placements → keep what still fits (sticky)
 *   → for each replica left: filter hosts (state, constraints, distinct,
 *     ports, cpu, memory) → pick a spread bucket → score candidates
 *     (binpack / spread) → take the best
 *   → explain, by reason, what could not be placed.
 *
 * Pure and deterministic: the only randomness is a PRNG seeded from
 * `input.seed`, which orders the candidates tried. Fleets with at most
 * FULL_SCAN eligible hosts are scanned whole (exact binpack/spread); larger
 * ones score a bounded sample from a rotating cursor, as Nomad does.
 */
import { FleetState, STATE_READY, resourcesOf } from "./fleet-state.ts";
import { constraintsHold, type PodNeeds } from "./filters.ts";
import { explainUnplaced, formatReasons } from "./explain.ts";
import { hashString, seededRandom, shuffleInPlace } from "./random.ts";
import { chooseSlots, type SlotCandidate } from "./slots.ts";
import { UsedHosts } from "./used-hosts.ts";
import type { Constraint, SchedGroup, ScheduleInput, ScheduleResult, SlotPlacement, UnplacedSlots } from "./types.ts";

/** Up to this many eligible hosts, every one is scored. */
export const FULL_SCAN = 256;

interface Candidates {
  readonly hosts: Int32Array;
  cursor: number;
  /**
   * Smallest pod size (millicores, bytes) that no host here could fit: free
   * capacity only shrinks during a run, so a pod at least this large in both
   * dimensions fails at once instead of rescanning a full bucket.
   */
  fullCpu: number;
  fullMem: number;
}

function constraintKey(constraints: readonly Constraint[]): string {
  if (constraints.length === 0) return "";
  if (constraints.length === 1) {
    const c = constraints[0]!;
    return `${c.label}\u0001${c.op}\u0001${c.values.join("\u0002")}`;
  }
  return constraints.map((c) => `${c.label}\u0001${c.op}\u0001${c.values.join("\u0002")}`).sort().join("\u0000");
}

function byNameOrder<T extends { readonly name: string }>(items: readonly T[]): readonly T[] {
  // Inputs usually arrive sorted (the loader sorts by name); skip the sort then.
  let sorted = true;
  for (let i = 1; i < items.length && sorted; i++) sorted = items[i - 1]!.name < items[i]!.name;
  return sorted ? items : [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Places every replica slot of every group on a host, keeping current
 * placements that still fit, and explains by reason the slots it cannot
 * place. Pure: the same input (including `seed`) gives the same result.
 *
 * @example
 * const { placements, unplaced } = placePods({ hosts, groups, current: [], seed: 1 });
 */
export function placePods(input: ScheduleInput): ScheduleResult {
  const hosts = byNameOrder(input.hosts);
  const st = new FleetState(hosts);
  const groups = byNameOrder(input.groups);
  const groupIndex = new Map<string, number>();
  groups.forEach((g, i) => groupIndex.set(g.name, i));

  // Current placements by group index, one per slot, of groups that still
  // exist. Inputs usually come grouped (a previous output), so the lookup of
  // the group is skipped while it repeats.
  const currentOf: (SlotPlacement[] | undefined)[] = new Array(groups.length);
  let lastName: string | undefined;
  let lastIndex = -1;
  for (const p of input.current) {
    if (p.group !== lastName) {
      lastName = p.group;
      lastIndex = groupIndex.get(p.group) ?? -1;
    }
    if (lastIndex < 0) continue;
    (currentOf[lastIndex] ??= []).push(p);
  }
  for (let gi = 0; gi < groups.length; gi++) {
    const list = currentOf[gi];
    if (!list || list.length < 2) continue;
    let ordered = true;
    for (let i = 1; i < list.length && ordered; i++) ordered = list[i - 1]!.slot < list[i]!.slot;
    if (ordered) continue;
    list.sort((a, b) => a.slot - b.slot || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
    currentOf[gi] = list.filter((p, i) => i === 0 || list[i - 1]!.slot !== p.slot);
  }

  // Which ready hosts meet each distinct set of constraints, computed once.
  const eligibleMask = new Map<string, Uint8Array>();
  const maskFor = (constraints: readonly Constraint[]): Uint8Array => {
    const key = constraintKey(constraints);
    let m = eligibleMask.get(key);
    if (!m) {
      m = new Uint8Array(hosts.length);
      for (let h = 0; h < hosts.length; h++) m[h] = st.state[h] === STATE_READY && constraintsHold(hosts[h]!.labels, constraints) ? 1 : 0;
      eligibleMask.set(key, m);
    }
    return m;
  };

  // Host load before anything moves, for choosing whom to scale down;
  // computed only when some group does scale down.
  let loadCpu: Float64Array | undefined;
  const hostLoad = (h: number): number => {
    if (!loadCpu) {
      loadCpu = new Float64Array(hosts.length);
      for (let gi = 0; gi < groups.length; gi++) {
        const cpu = resourcesOf(groups[gi]!.resources).cpuMilli;
        for (const p of currentOf[gi] ?? []) {
          const i = st.index.get(p.host);
          if (i !== undefined) loadCpu[i]! += cpu;
        }
      }
    }
    return st.capCpu[h]! > 0 ? loadCpu[h]! / st.capCpu[h]! : 1;
  };

  // Per group index; concatenated in group order at the end (cheaper than
  // sorting 200,000 placements by name). A group that keeps every current
  // placement reuses that array.
  const placedOf: SlotPlacement[][] = new Array(groups.length);
  const pendingOf: (number[] | undefined)[] = new Array(groups.length);
  const usedOf: UsedHosts[] = new Array(groups.length);
  const needsOf: PodNeeds[] = new Array(groups.length);
  const NONE: SlotPlacement[] = [];

  // 1. Sticky: every group keeps what still fits before anything new is placed.
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi]!;
    const { cpuMilli, memory } = resourcesOf(g.resources);
    needsOf[gi] = { cpuMilli, memory, ports: g.hostPorts, constraints: g.constraints };
    const usedHosts = (usedOf[gi] = new UsedHosts());
    const distinct = g.distinctHosts ?? true;
    const mask = maskFor(g.constraints);
    const current = currentOf[gi] ?? NONE;
    let keep: readonly SlotPlacement[] = current;
    let toPlace: number[] | undefined;
    if (current.length > g.replicas) {
      // Scaling down: choose survivors (rare, so objects are fine here).
      const candidates: SlotCandidate[] = current.map((p) => {
        const h = st.index.get(p.host);
        return { placement: p, feasible: h !== undefined && mask[h] === 1, hostLoad: h === undefined ? 1 : hostLoad(h) };
      });
      const chosen = chooseSlots(g.replicas, candidates);
      keep = chosen.keep.map((c) => c.placement);
      toPlace = chosen.added;
    } else if (current.length < g.replicas) {
      toPlace = chooseSlots(g.replicas, current.map((placement) => ({ placement, feasible: true, hostLoad: 0 }))).added;
    }
    let placed: SlotPlacement[] | undefined;
    for (let i = 0; i < keep.length; i++) {
      const p = keep[i]!;
      const h = st.index.get(p.host);
      if (h !== undefined && mask[h] === 1 && !(distinct && usedHosts.has(h)) && st.fits(h, cpuMilli, memory, g.hostPorts)) {
        st.take(h, cpuMilli, memory, g.hostPorts);
        usedHosts.add(h);
        placed?.push(p);
      } else {
        placed ??= keep.slice(0, i);
        (toPlace ??= []).push(p.slot);
      }
    }
    placedOf[gi] = placed ?? (keep === current && current !== NONE ? current : [...keep]);
    if (toPlace && toPlace.length > 0) pendingOf[gi] = toPlace.sort((a, b) => a - b);
  }

  // 2. New placements, largest pods first so small ones fill the gaps.
  const eligibleCache = new Map<string, Candidates>();
  const bucketCache = new Map<string, Map<string, Candidates>>();
  const eligible = (g: SchedGroup): Candidates => {
    const key = constraintKey(g.constraints);
    let c = eligibleCache.get(key);
    if (!c) {
      const mask = maskFor(g.constraints);
      const list: number[] = [];
      for (let h = 0; h < hosts.length; h++) if (mask[h] === 1) list.push(h);
      const arr = Int32Array.from(list);
      shuffleInPlace(arr, seededRandom(hashString(key, input.seed >>> 0)));
      c = { hosts: arr, cursor: 0, fullCpu: Infinity, fullMem: Infinity };
      eligibleCache.set(key, c);
    }
    return c;
  };
  const buckets = (g: SchedGroup, label: string): Map<string, Candidates> => {
    const key = `${constraintKey(g.constraints)}\u0003${label}`;
    let b = bucketCache.get(key);
    if (!b) {
      const lists = new Map<string, number[]>();
      for (const h of eligible(g).hosts) {
        const v = hosts[h]!.labels[label] ?? "";
        const l = lists.get(v);
        if (l) l.push(h);
        else lists.set(v, [h]);
      }
      b = new Map([...lists].sort(([a], [z]) => (a < z ? -1 : 1)).map(([v, l]) => [v, { hosts: Int32Array.from(l), cursor: 0, fullCpu: Infinity, fullMem: Infinity }]));
      bucketCache.set(key, b);
    }
    return b;
  };

  const pick = (c: Candidates, needs: PodNeeds, usedHosts: UsedHosts, distinct: boolean, binpack: boolean): number => {
    const n = c.hosts.length;
    if (n === 0 || (needs.cpuMilli >= c.fullCpu && needs.memory >= c.fullMem)) return -1;
    const limit = n <= FULL_SCAN ? n : Math.max(4, Math.ceil(Math.log2(n)));
    let best = -1;
    let bestScore = -Infinity;
    let found = 0;
    let k = 0;
    let blockedOtherwise = 0;
    for (; k < n && found < limit; k++) {
      const h = c.hosts[(c.cursor + k) % n]!;
      if (!st.fits(h, needs.cpuMilli, needs.memory, [])) continue;
      if ((distinct && usedHosts.has(h)) || !st.portsFree(h, needs.ports)) {
        blockedOtherwise++;
        continue;
      }
      found++;
      const alloc = st.allocationAfter(h, needs.cpuMilli, needs.memory);
      const score = binpack ? alloc : -alloc;
      if (score > bestScore) {
        bestScore = score;
        best = h;
      }
    }
    if (n > FULL_SCAN) c.cursor = (c.cursor + k) % n;
    if (best < 0 && blockedOtherwise === 0 && needs.cpuMilli <= c.fullCpu && needs.memory <= c.fullMem) {
      c.fullCpu = needs.cpuMilli;
      c.fullMem = needs.memory;
    }
    return best;
  };

  const unplaced: UnplacedSlots[] = [];
  const order: number[] = [];
  for (let gi = 0; gi < groups.length; gi++) if (pendingOf[gi]) order.push(gi);
  order.sort((x, y) => {
    const a = groups[x]!;
    const b = groups[y]!;
    return b.resources.cpu - a.resources.cpu || b.resources.memory - a.resources.memory || x - y;
  });
  for (const gi of order) {
    const g = groups[gi]!;
    const needs = needsOf[gi]!;
    const usedHosts = usedOf[gi]!;
    const distinct = g.distinctHosts ?? true;
    const binpack = g.strategy === "binpack";
    const failed: number[] = [];
    const spreadCounts = new Map<string, number>();
    const spreadBuckets = g.spread ? buckets(g, g.spread) : undefined;
    if (g.spread && spreadBuckets) {
      for (const v of spreadBuckets.keys()) spreadCounts.set(v, 0);
      for (const h of usedHosts.values()) {
        const v = hosts[h]!.labels[g.spread] ?? "";
        spreadCounts.set(v, (spreadCounts.get(v) ?? 0) + 1);
      }
    }
    for (const slot of pendingOf[gi]!) {
      let h = -1;
      if (spreadBuckets) {
        const values = [...spreadBuckets.keys()].sort((a, b) => spreadCounts.get(a)! - spreadCounts.get(b)! || (a < b ? -1 : 1));
        for (const v of values) {
          h = pick(spreadBuckets.get(v)!, needs, usedHosts, distinct, binpack);
          if (h >= 0) {
            spreadCounts.set(v, spreadCounts.get(v)! + 1);
            break;
          }
        }
      } else {
        h = pick(eligible(g), needs, usedHosts, distinct, binpack);
      }
      if (h < 0) {
        failed.push(slot);
        continue;
      }
      st.take(h, needs.cpuMilli, needs.memory, needs.ports);
      usedHosts.add(h);
      placedOf[gi]!.push({ group: g.name, slot, host: hosts[h]!.name });
    }
    if (failed.length > 0) {
      const byReason = explainUnplaced(st, needs, g.name, (h) => distinct && usedHosts.has(h));
      unplaced.push({ group: g.name, slots: failed, reason: formatReasons(byReason), byReason });
    }
  }

  const placements: SlotPlacement[] = [];
  for (let gi = 0; gi < groups.length; gi++) {
    const list = placedOf[gi]!;
    if (pendingOf[gi] && list.length > 1) list.sort((a, b) => a.slot - b.slot);
    for (const p of list) placements.push(p);
  }
  unplaced.sort((a, b) => (a.group < b.group ? -1 : 1));
  return { placements, unplaced };
}
