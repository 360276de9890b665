/**
 * Which slot numbers a group keeps. Slot numbers identify replicas (the
 * diff pairs old and new pods by slot), so they never shift:
 * - scaling up adds the smallest unused numbers;
 * - scaling down keeps the replicas that still fit, and among those removes
 *   the ones on the most loaded hosts first — so slot numbers may have gaps.
 */
import type { SlotPlacement } from "./types.ts";

export interface SlotCandidate {
  readonly placement: SlotPlacement;
  /** Whether the replica can stay where it is (host ready, constraints hold). */
  readonly feasible: boolean;
  /** Allocation of its host, 0..1, before anything moves. */
  readonly hostLoad: number;
}

/** Returns the slots to keep (with their current placement when they have one) and the new ones. */
export function chooseSlots(replicas: number, current: readonly SlotCandidate[]): { keep: SlotCandidate[]; added: number[] } {
  let keep = [...current];
  if (keep.length > replicas) {
    keep.sort((a, b) => Number(b.feasible) - Number(a.feasible) || a.hostLoad - b.hostLoad || a.placement.slot - b.placement.slot);
    keep = keep.slice(0, replicas);
  }
  keep.sort((a, b) => a.placement.slot - b.placement.slot);
  const taken = new Set(keep.map((c) => c.placement.slot));
  const added: number[] = [];
  for (let s = 0; keep.length + added.length < replicas; s++) if (!taken.has(s)) added.push(s);
  return { keep, added };
}
