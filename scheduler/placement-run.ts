/**
 * One run of `placePods`: the fleet state it books pods on and, per group,
 * what it keeps and what it still has to place. `placePods` (place.ts) is the
 * order its steps run in; each step is a small method here, so the engine
 * optimises each on its own rather than one long loop at a time.
 */
import { EligibleIndex, type Candidates, type EligibleHosts } from "./candidates.ts";
import { explainUnplaced, formatReasons } from "./explain.ts";
import { FleetState, resourcesOf, toMillicores } from "./fleet-state.ts";
import { filterPlan, type Filter, type FirstRejecting, type Pod } from "./filters.ts";
import { byNameOrder, currentByGroup, firstSlots } from "./order.ts";
import { directionOf, strategyScore } from "./scorers.ts";
import { chooseSlots, type SlotCandidate } from "./slots.ts";
import type { SchedGroup, ScheduleInput, ScheduleResult, SlotPlacement, UnplacedSlots } from "./types.ts";

const NONE: readonly SlotPlacement[] = [];
const NO_HOSTS: readonly number[] = [];

function podOf(g: SchedGroup, id: number): Pod {
  const cpuMilli = toMillicores(g.resources.cpu);
  return { group: g.name, id, cpuMilli, memory: g.resources.memory, ports: g.hostPorts, constraints: g.constraints, distinct: g.distinctHosts ?? true };
}

export class PlacementRun {
  readonly groups: readonly SchedGroup[];
  private readonly st: FleetState;
  private readonly filters: readonly Filter[];
  /** The filters that are not fixed: checked per candidate host. */
  private readonly moving: readonly Filter[];
  private readonly rejecter: FirstRejecting;
  private readonly index: EligibleIndex;
  private readonly currentOf: (SlotPlacement[] | undefined)[];
  /**
   * The output, by group in name order then slot: a group keeps or gets
   * exactly `replicas` slots, so group `gi` owns `offsetOf[gi]` up to
   * `offsetOf[gi + 1]` from the start. Filled in place (cheaper than sorting
   * 200,000 placements by name); a slot left unplaced leaves a hole, closed
   * at the end.
   */
  private readonly placements: (SlotPlacement | undefined)[];
  private readonly offsetOf: Int32Array;
  private readonly unplaced: UnplacedSlots[] = [];
  // Per group number, from step 1 to step 2. (Pods are made again in step
  // 2 rather than kept: 50,000 objects that die young cost the collector
  // nothing, where kept ones are copied twice.)
  private readonly eligibleOf: EligibleHosts[];
  private readonly pendingOf: (readonly number[] | undefined)[];
  private readonly keptOf: (readonly SlotPlacement[] | undefined)[];
  private readonly keptHostsOf: (readonly number[] | undefined)[];
  private readonly keptHosts: number[] = [];
  /** Host load before anything moves, for choosing whom to scale down; computed only when some group does. */
  private loadCpu: Float64Array | undefined;

  constructor(input: ScheduleInput, filters: readonly Filter[]) {
    const groups = (this.groups = byNameOrder(input.groups));
    this.st = new FleetState(byNameOrder(input.hosts));
    this.filters = filters;
    const plan = filterPlan(filters);
    this.moving = plan.moving;
    this.rejecter = plan.rejecting;
    this.index = new EligibleIndex(this.st, plan.fixed, input.seed);
    this.currentOf = currentByGroup(groups, input.current);
    const n = groups.length;
    this.offsetOf = new Int32Array(n + 1);
    for (let gi = 0; gi < n; gi++) this.offsetOf[gi + 1] = this.offsetOf[gi]! + groups[gi]!.replicas;
    this.placements = new Array(this.offsetOf[n]!);
    this.eligibleOf = new Array(n);
    this.pendingOf = new Array(n);
    this.keptOf = new Array(n);
    this.keptHostsOf = new Array(n);
  }

  /** Step 1 for group `gi`: keeps each current placement that still passes every filter; the rest, and new slots, are pending. */
  keep(gi: number): void {
    const { st, keptHosts } = this;
    const g = this.groups[gi]!;
    const pod = podOf(g, gi + 1);
    const mask = (this.eligibleOf[gi] = this.index.of(pod)).mask;
    const current = this.currentOf[gi] ?? NONE;
    if (current.length === 0) {
      if (g.replicas > 0) this.pendingOf[gi] = firstSlots(g.replicas);
      return;
    }
    let keep: readonly SlotPlacement[] = current;
    let toPlace: number[] | undefined;
    if (current.length > g.replicas) {
      // Scaling down: choose survivors (rare, so objects are fine here).
      const candidates: SlotCandidate[] = current.map((p) => {
        const h = st.indexOf(p.host);
        return { placement: p, feasible: h !== undefined && mask[h] === 1, hostLoad: h === undefined ? 1 : this.hostLoad(h) };
      });
      const chosen = chooseSlots(g.replicas, candidates);
      keep = chosen.keep.map((c) => c.placement);
      toPlace = chosen.added;
    } else if (current.length < g.replicas) {
      toPlace = chooseSlots(g.replicas, current.map((placement) => ({ placement, feasible: true, hostLoad: 0 }))).added;
    }
    let kept: SlotPlacement[] | undefined;
    keptHosts.length = 0;
    for (let i = 0; i < keep.length; i++) {
      const p = keep[i]!;
      const h = st.indexOf(p.host);
      if (h !== undefined && mask[h] === 1 && this.rejecter(st, pod, h) < 0) {
        st.take(h, pod.id, pod.cpuMilli, pod.memory, pod.ports);
        keptHosts.push(h);
        kept?.push(p);
      } else {
        kept ??= keep.slice(0, i);
        (toPlace ??= []).push(p.slot);
      }
    }
    const list = kept ?? keep;
    if (toPlace && toPlace.length > 0) {
      this.pendingOf[gi] = toPlace.sort((a, b) => a - b);
      this.keptOf[gi] = list;
      if (keptHosts.length > 0) this.keptHostsOf[gi] = [...keptHosts];
    } else {
      for (let i = 0, o = this.offsetOf[gi]!; i < list.length; i++) this.placements[o + i] = list[i];
    }
  }

  /** Whether step 1 left group `gi` slots to place. */
  hasPending(gi: number): boolean {
    return this.pendingOf[gi] !== undefined;
  }

  /** Step 2 for group `gi`: places its pending slots, and explains the ones no host takes. */
  placeNew(gi: number): void {
    const { st } = this;
    const g = this.groups[gi]!;
    const pod = podOf(g, gi + 1);
    const direction = directionOf(g.strategy);
    const kept = this.keptOf[gi] ?? NONE;
    const keptHosts = this.keptHostsOf[gi] ?? NO_HOSTS;
    // Other groups have marked these hosts since step 1.
    for (const h of keptHosts) st.takenBy[h] = pod.id;
    const eligible = this.eligibleOf[gi]!;
    const spread = g.spread ? this.index.spreadOver(eligible, g.spread) : undefined;
    if (spread) {
      spread.balance.reset();
      for (const h of keptHosts) spread.balance.placed(spread.bucketOf.get(st.hosts[h]!.labels[g.spread!] ?? "")!);
    }
    const pending = this.pendingOf[gi]!;
    // From empty, new slots go straight to the output in slot order; with
    // kept slots as well, the two are merged by slot afterwards.
    const fresh: SlotPlacement[] | undefined = kept.length > 0 ? [] : undefined;
    let o = this.offsetOf[gi]!;
    let failed: number[] | undefined;
    for (let i = 0; i < pending.length; i++) {
      const slot = pending[i]!;
      let h = -1;
      if (spread) {
        const order = spread.balance.order;
        for (let j = 0; j < order.length; j++) {
          const b = order[j]!;
          h = this.pick(spread.buckets[b]!, pod, direction);
          if (h >= 0) {
            spread.balance.placed(b);
            break;
          }
        }
      } else {
        h = this.pick(eligible.all, pod, direction);
      }
      if (h < 0) {
        (failed ??= []).push(slot);
        continue;
      }
      st.take(h, pod.id, pod.cpuMilli, pod.memory, pod.ports);
      const p: SlotPlacement = { group: g.name, slot, host: st.names[h]! };
      if (fresh) fresh.push(p);
      else this.placements[o++] = p;
    }
    if (fresh) for (const p of [...kept, ...fresh].sort((a, b) => a.slot - b.slot)) this.placements[o++] = p;
    if (failed) {
      const byReason = explainUnplaced(st, pod, this.filters);
      this.unplaced.push({ group: g.name, slots: failed, reason: formatReasons(byReason), byReason });
    }
  }

  /** Step 3: the placements by group and slot, and the unplaced slots by group. */
  result(): ScheduleResult {
    const unplaced = this.unplaced.sort((a, b) => (a.group < b.group ? -1 : 1));
    // Holes only where slots went unplaced.
    const placements = unplaced.length === 0 ? (this.placements as SlotPlacement[]) : this.placements.filter((p) => p !== undefined);
    return { placements, unplaced };
  }

  /**
   * The best host in `c` for `pod` by the strategy score among the first `c.limit` that
   * pass the moving filters (all of them, for short lists), or -1.
   */
  private pick(c: Candidates, pod: Pod, direction: 1 | -1): number {
    const { st, rejecter, moving } = this;
    const { hosts, limit, cursor } = c;
    const n = hosts.length;
    if (n === 0 || (pod.cpuMilli >= c.fullCpu && pod.memory >= c.fullMem)) return -1;
    let best = -1;
    let bestScore = -Infinity;
    let found = 0;
    let k = 0;
    let blockedOtherwise = 0;
    for (; k < n && found < limit; k++) {
      let i = cursor + k;
      if (i >= n) i -= n;
      const h = hosts[i]!;
      const r = rejecter(st, pod, h);
      if (r >= 0) {
        if (!moving[r]!.capacity) blockedOtherwise++;
        continue;
      }
      found++;
      const s = strategyScore(st, pod, h, direction);
      if (s > bestScore) {
        bestScore = s;
        best = h;
      }
    }
    if (n !== limit) c.cursor = (cursor + k) % n;
    if (best < 0 && blockedOtherwise === 0 && pod.cpuMilli <= c.fullCpu && pod.memory <= c.fullMem) {
      c.fullCpu = pod.cpuMilli;
      c.fullMem = pod.memory;
    }
    return best;
  }

  private hostLoad(h: number): number {
    const { st } = this;
    if (!this.loadCpu) {
      const load = (this.loadCpu = new Float64Array(st.hosts.length));
      this.groups.forEach((g, gi) => {
        const cpu = resourcesOf(g.resources).cpuMilli;
        for (const p of this.currentOf[gi] ?? []) {
          const i = st.indexOf(p.host);
          if (i !== undefined) load[i]! += cpu;
        }
      });
    }
    return st.capCpu(h) > 0 ? this.loadCpu[h]! / st.capCpu(h) : 1;
  }
}
