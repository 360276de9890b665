/**
 * `placePods`: the scheduler, composed as Nomad composes it (the pipeline is
 * drawn in README.md here):
 *
 *   current placements → keep what still passes every filter (sticky)
 *   → for each replica left, largest pods first: spread balance picks the
 *     label value to try → candidates from the eligible hosts (fixed
 *     filters) → the other filters → the strategy scorer → the best host
 *   → explain, by reason, what could not be placed.
 *
 * Pure and deterministic: the only randomness is a PRNG seeded from
 * `input.seed`, which orders the candidates tried.
 */
import { EligibleIndex, type Candidates, type EligibleHosts } from "./candidates.ts";
import { explainUnplaced, formatReasons } from "./explain.ts";
import { FleetState, resourcesOf } from "./fleet-state.ts";
import { FILTERS, rejecterOf, type Filter, type FirstRejecting, type Pod } from "./filters.ts";
import { SCORERS, type Scorer } from "./scorers.ts";
import { chooseSlots, type SlotCandidate } from "./slots.ts";
import type { SchedGroup, ScheduleInput, ScheduleResult, SlotPlacement, UnplacedSlots } from "./types.ts";

export { FULL_SCAN } from "./candidates.ts";

export interface PlaceOptions {
  /** The filters, in order; `FILTERS` unless a test brings its own. */
  readonly filters?: readonly Filter[];
}

function byNameOrder<T extends { readonly name: string }>(items: readonly T[]): readonly T[] {
  // Inputs usually arrive sorted (the loader sorts by name); skip the sort then.
  let sorted = true;
  for (let i = 1; i < items.length && sorted; i++) sorted = items[i - 1]!.name < items[i]!.name;
  return sorted ? items : [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function podOf(g: SchedGroup, id: number): Pod {
  const { cpuMilli, memory } = resourcesOf(g.resources);
  return { group: g.name, id, cpuMilli, memory, ports: g.hostPorts, constraints: g.constraints, distinct: g.distinctHosts ?? true };
}

/** Current placements by group number, one per slot, of groups that still exist. */
function currentByGroup(groups: readonly SchedGroup[], current: readonly SlotPlacement[]): (SlotPlacement[] | undefined)[] {
  const of: (SlotPlacement[] | undefined)[] = new Array(groups.length);
  if (current.length === 0) return of;
  const groupIndex = new Map<string, number>();
  groups.forEach((g, i) => groupIndex.set(g.name, i));
  // Inputs usually come grouped (a previous output), so the lookup of the
  // group is skipped while it repeats.
  let lastName: string | undefined;
  let lastIndex = -1;
  for (const p of current) {
    if (p.group !== lastName) {
      lastName = p.group;
      lastIndex = groupIndex.get(p.group) ?? -1;
    }
    if (lastIndex >= 0) (of[lastIndex] ??= []).push(p);
  }
  for (let gi = 0; gi < groups.length; gi++) {
    const list = of[gi];
    if (!list || list.length < 2) continue;
    let ordered = true;
    for (let i = 1; i < list.length && ordered; i++) ordered = list[i - 1]!.slot < list[i]!.slot;
    if (ordered) continue;
    list.sort((a, b) => a.slot - b.slot || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
    of[gi] = list.filter((p, i) => i === 0 || list[i - 1]!.slot !== p.slot);
  }
  return of;
}

/**
 * The best host in `c` for `pod` by `score` among the first `c.limit` that
 * pass `filters` (all of them for short lists), or -1.
 */
function pick(st: FleetState, c: Candidates, pod: Pod, filters: readonly Filter[], rejecter: FirstRejecting, score: Scorer): number {
  const n = c.hosts.length;
  if (n === 0 || (pod.cpuMilli >= c.fullCpu && pod.memory >= c.fullMem)) return -1;
  let best = -1;
  let bestScore = -Infinity;
  let found = 0;
  let k = 0;
  let blockedOtherwise = 0;
  for (; k < n && found < c.limit; k++) {
    let i = c.cursor + k;
    if (i >= n) i -= n;
    const h = c.hosts[i]!;
    const r = rejecter(st, pod, h);
    if (r >= 0) {
      if (!filters[r]!.capacity) blockedOtherwise++;
      continue;
    }
    found++;
    const s = score(st, pod, h);
    if (s > bestScore) {
      bestScore = s;
      best = h;
    }
  }
  if (n !== c.limit) c.cursor = (c.cursor + k) % n;
  if (best < 0 && blockedOtherwise === 0 && pod.cpuMilli <= c.fullCpu && pod.memory <= c.fullMem) {
    c.fullCpu = pod.cpuMilli;
    c.fullMem = pod.memory;
  }
  return best;
}

const NONE_HOSTS: number[] = [];
const slotRanges: number[][] = [];

/** Slots 0 … n-1, shared (callers only read them). */
function firstSlots(n: number): readonly number[] {
  return (slotRanges[n] ??= Array.from({ length: n }, (_, s) => s));
}

/** Numbers of the groups with slots to place, largest pods first (cpu, then memory), ties in group order. */
function largestFirst(groups: readonly SchedGroup[], pendingOf: readonly (readonly number[] | undefined)[]): number[] {
  // Most fleets have a handful of pod sizes: bucketing by size is linear
  // where a comparison sort of 50,000 groups was not.
  const bySize = new Map<number, Map<number, number[]>>();
  for (let gi = 0; gi < groups.length; gi++) {
    if (!pendingOf[gi]) continue;
    const { cpu, memory } = groups[gi]!.resources;
    let byMem = bySize.get(cpu);
    if (!byMem) bySize.set(cpu, (byMem = new Map()));
    const list = byMem.get(memory);
    if (list) list.push(gi);
    else byMem.set(memory, [gi]);
  }
  const order: number[] = [];
  for (const cpu of [...bySize.keys()].sort((a, b) => b - a)) {
    const byMem = bySize.get(cpu)!;
    for (const memory of [...byMem.keys()].sort((a, b) => b - a)) for (const gi of byMem.get(memory)!) order.push(gi);
  }
  return order;
}

/**
 * Places every replica slot of every group on a host, keeping current
 * placements that still fit, and explains by reason the slots it cannot
 * place. Pure: the same input (including `seed`) gives the same result.
 *
 * @example
 * const { placements, unplaced } = placePods({ hosts, groups, current: [], seed: 1 });
 */
export function placePods(input: ScheduleInput, options: PlaceOptions = {}): ScheduleResult {
  const filters = options.filters ?? FILTERS;
  const moving = filters.filter((f) => !f.fixed);
  const rejecter = rejecterOf(moving);
  const hosts = byNameOrder(input.hosts);
  const st = new FleetState(hosts);
  const groups = byNameOrder(input.groups);
  const index = new EligibleIndex(st, filters.filter((f) => f.fixed), input.seed);
  const currentOf = currentByGroup(groups, input.current);

  // Host load before anything moves, for choosing whom to scale down;
  // computed only when some group does scale down.
  let loadCpu: Float64Array | undefined;
  const hostLoad = (h: number): number => {
    if (!loadCpu) {
      loadCpu = new Float64Array(hosts.length);
      for (let gi = 0; gi < groups.length; gi++) {
        const cpu = resourcesOf(groups[gi]!.resources).cpuMilli;
        for (const p of currentOf[gi] ?? []) {
          const i = st.indexOf(p.host);
          if (i !== undefined) loadCpu[i]! += cpu;
        }
      }
    }
    return st.capCpu[h]! > 0 ? loadCpu[h]! / st.capCpu[h]! : 1;
  };

  // The output, by group in name order then slot: a group keeps or gets
  // exactly `replicas` slots, so each has its range from the start. Filled
  // in place (cheaper than sorting 200,000 placements by name); a slot left
  // unplaced leaves a hole, closed at the end.
  const offsetOf = new Int32Array(groups.length + 1);
  for (let gi = 0; gi < groups.length; gi++) offsetOf[gi + 1] = offsetOf[gi]! + groups[gi]!.replicas;
  const placements: (SlotPlacement | undefined)[] = new Array(offsetOf[groups.length]!);
  const pods: Pod[] = new Array(groups.length);
  const eligibleOf: EligibleHosts[] = new Array(groups.length);
  const pendingOf: (readonly number[] | undefined)[] = new Array(groups.length);
  const keptOf: (readonly SlotPlacement[] | undefined)[] = new Array(groups.length);
  const keptHostsOf: (number[] | undefined)[] = new Array(groups.length);
  const NONE: SlotPlacement[] = [];
  const keptHosts: number[] = [];

  // 1. Sticky: every group keeps what still passes every filter before anything new is placed.
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi]!;
    const pod = (pods[gi] = podOf(g, gi + 1));
    const eligible = (eligibleOf[gi] = index.of(pod));
    const mask = eligible.mask;
    const current = currentOf[gi] ?? NONE;
    let keep: readonly SlotPlacement[] = current;
    let toPlace: number[] | undefined;
    if (current.length > g.replicas) {
      // Scaling down: choose survivors (rare, so objects are fine here).
      const candidates: SlotCandidate[] = current.map((p) => {
        const h = st.indexOf(p.host);
        return { placement: p, feasible: h !== undefined && mask[h] === 1, hostLoad: h === undefined ? 1 : hostLoad(h) };
      });
      const chosen = chooseSlots(g.replicas, candidates);
      keep = chosen.keep.map((c) => c.placement);
      toPlace = chosen.added;
    } else if (current.length < g.replicas && current.length > 0) {
      toPlace = chooseSlots(g.replicas, current.map((placement) => ({ placement, feasible: true, hostLoad: 0 }))).added;
    }
    let kept: SlotPlacement[] | undefined;
    keptHosts.length = 0;
    for (let i = 0; i < keep.length; i++) {
      const p = keep[i]!;
      const h = st.indexOf(p.host);
      if (h !== undefined && mask[h] === 1 && rejecter(st, pod, h) < 0) {
        st.take(h, pod.id, pod.cpuMilli, pod.memory, pod.ports);
        keptHosts.push(h);
        kept?.push(p);
      } else {
        kept ??= keep.slice(0, i);
        (toPlace ??= []).push(p.slot);
      }
    }
    if (current.length === 0 && g.replicas > 0) {
      pendingOf[gi] = firstSlots(g.replicas);
    } else if (toPlace && toPlace.length > 0) {
      pendingOf[gi] = toPlace.sort((a, b) => a - b);
      keptOf[gi] = kept ?? keep;
      if (keptHosts.length > 0) keptHostsOf[gi] = [...keptHosts];
    } else {
      const list = kept ?? keep;
      for (let i = 0, o = offsetOf[gi]!; i < list.length; i++) placements[o + i] = list[i];
    }
  }

  // 2. New placements, largest pods first so small ones fill the gaps.
  const unplaced: UnplacedSlots[] = [];
  for (const gi of largestFirst(groups, pendingOf)) {
    const g = groups[gi]!;
    const pod = pods[gi]!;
    const score = SCORERS[g.strategy];
    const kept = keptOf[gi] ?? NONE;
    const keptHosts = keptHostsOf[gi] ?? NONE_HOSTS;
    // Other groups have marked these hosts since step 1.
    for (const h of keptHosts) st.takenBy[h] = pod.id;
    const spread = g.spread ? index.spreadOver(eligibleOf[gi]!, g.spread) : undefined;
    if (spread) {
      spread.balance.reset();
      for (const h of keptHosts) spread.balance.placed(spread.bucketOf.get(hosts[h]!.labels[g.spread!] ?? "")!);
    }
    const pending = pendingOf[gi]!;
    // From empty, new slots are written straight to the output in slot order;
    // with kept slots as well, the two are merged by slot afterwards.
    const fresh: SlotPlacement[] | undefined = kept.length > 0 ? [] : undefined;
    let o = offsetOf[gi]!;
    let failed: number[] | undefined;
    for (let i = 0; i < pending.length; i++) {
      const slot = pending[i]!;
      let h = -1;
      if (spread) {
        for (const b of spread.balance.order) {
          h = pick(st, spread.buckets[b]!, pod, moving, rejecter, score);
          if (h >= 0) {
            spread.balance.placed(b);
            break;
          }
        }
      } else {
        h = pick(st, eligibleOf[gi]!.all, pod, moving, rejecter, score);
      }
      if (h < 0) {
        (failed ??= []).push(slot);
        continue;
      }
      st.take(h, pod.id, pod.cpuMilli, pod.memory, pod.ports);
      const p: SlotPlacement = { group: g.name, slot, host: hosts[h]!.name };
      if (fresh) fresh.push(p);
      else placements[o++] = p;
    }
    if (fresh) {
      const list = [...kept, ...fresh].sort((a, b) => a.slot - b.slot);
      for (const p of list) placements[o++] = p;
    }
    if (failed) {
      const byReason = explainUnplaced(st, pod, filters);
      unplaced.push({ group: g.name, slots: failed, reason: formatReasons(byReason), byReason });
    }
  }

  unplaced.sort((a, b) => (a.group < b.group ? -1 : 1));
  if (unplaced.length === 0) return { placements: placements as SlotPlacement[], unplaced };
  return { placements: placements.filter((p) => p !== undefined), unplaced };
}
