/**
 * The orders placement reads its inputs in: hosts and groups by name,
 * current placements by group and slot, groups to place largest first.
 */
import type { SchedGroup, SlotPlacement } from "./types.ts";

/** `items` by name; the same array when already sorted (the loader sorts by name). */
export function byNameOrder<T extends { readonly name: string }>(items: readonly T[]): readonly T[] {
  let sorted = true;
  for (let i = 1; i < items.length && sorted; i++) sorted = items[i - 1]!.name < items[i]!.name;
  return sorted ? items : [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Current placements by group number, one per slot (sorted), of groups that still exist. */
export function currentByGroup(groups: readonly SchedGroup[], current: readonly SlotPlacement[]): (SlotPlacement[] | undefined)[] {
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

/** Numbers of the groups `pending` says have slots to place, largest pods first (cpu, then memory), ties in group order. */
export function largestFirst(groups: readonly SchedGroup[], pending: (gi: number) => boolean): number[] {
  // Most fleets have a handful of pod sizes: bucketing by size is linear
  // where a comparison sort of 50,000 groups was not.
  const bySize = new Map<number, Map<number, number[]>>();
  for (let gi = 0; gi < groups.length; gi++) {
    if (!pending(gi)) continue;
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

const slotRanges: number[][] = [];

/** Slots 0 … n-1, shared (callers only read them). */
export function firstSlots(n: number): readonly number[] {
  return (slotRanges[n] ??= Array.from({ length: n }, (_, s) => s));
}
