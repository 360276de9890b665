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
import { FILTERS, firstRejecting, type Filter, type Pod } from "./filters.ts";
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
function pick(st: FleetState, c: Candidates, pod: Pod, filters: readonly Filter[], score: Scorer): number {
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
    const r = firstRejecting(filters, st, pod, h);
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

  // Per group number; concatenated in group order at the end (cheaper than
  // sorting 200,000 placements by name). A group that keeps every current
  // placement reuses that array.
  const pods: Pod[] = new Array(groups.length);
  const eligibleOf: EligibleHosts[] = new Array(groups.length);
  const placedOf: SlotPlacement[][] = new Array(groups.length);
  const pendingOf: (number[] | undefined)[] = new Array(groups.length);
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
    } else if (current.length < g.replicas) {
      toPlace = current.length === 0 ? Array.from({ length: g.replicas }, (_, s) => s) : chooseSlots(g.replicas, current.map((placement) => ({ placement, feasible: true, hostLoad: 0 }))).added;
    }
    let placed: SlotPlacement[] | undefined;
    keptHosts.length = 0;
    for (let i = 0; i < keep.length; i++) {
      const p = keep[i]!;
      const h = st.indexOf(p.host);
      if (h !== undefined && mask[h] === 1 && firstRejecting(moving, st, pod, h) < 0) {
        st.take(h, pod.id, pod.cpuMilli, pod.memory, pod.ports);
        keptHosts.push(h);
        placed?.push(p);
      } else {
        placed ??= keep.slice(0, i);
        (toPlace ??= []).push(p.slot);
      }
    }
    placedOf[gi] = placed ?? (keep === current && current !== NONE ? current : [...keep]);
    if (toPlace && toPlace.length > 0) {
      pendingOf[gi] = toPlace.sort((a, b) => a - b);
      if (keptHosts.length > 0) keptHostsOf[gi] = [...keptHosts];
    }
  }

  // 2. New placements, largest pods first so small ones fill the gaps.
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
    const pod = pods[gi]!;
    const score = SCORERS[g.strategy];
    const kept = keptHostsOf[gi] ?? [];
    // Other groups have marked these hosts since step 1.
    for (const h of kept) st.takenBy[h] = pod.id;
    const spread = g.spread ? index.spreadOver(eligibleOf[gi]!, g.spread) : undefined;
    if (spread) {
      spread.balance.reset();
      for (const h of kept) spread.balance.placed(spread.bucketOf.get(hosts[h]!.labels[g.spread!] ?? "")!);
    }
    let failed: number[] | undefined;
    for (const slot of pendingOf[gi]!) {
      let h = -1;
      if (spread) {
        for (const b of spread.balance.order) {
          h = pick(st, spread.buckets[b]!, pod, moving, score);
          if (h >= 0) {
            spread.balance.placed(b);
            break;
          }
        }
      } else {
        h = pick(st, eligibleOf[gi]!.all, pod, moving, score);
      }
      if (h < 0) {
        (failed ??= []).push(slot);
        continue;
      }
      st.take(h, pod.id, pod.cpuMilli, pod.memory, pod.ports);
      placedOf[gi]!.push({ group: g.name, slot, host: hosts[h]!.name });
    }
    if (failed) {
      const byReason = explainUnplaced(st, pod, filters);
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
