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
import { FILTERS, type Filter } from "./filters.ts";
import { largestFirst } from "./order.ts";
import { PlacementRun } from "./placement-run.ts";
import type { ScheduleInput, ScheduleResult } from "./types.ts";

export { FULL_SCAN } from "./candidates.ts";

export interface PlaceOptions {
  /** The filters, in order; `FILTERS` unless a test brings its own. */
  readonly filters?: readonly Filter[];
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
  const run = new PlacementRun(input, options.filters ?? FILTERS);
  // 1. Sticky: every group keeps what still passes every filter before anything new is placed.
  for (let gi = 0; gi < run.groups.length; gi++) run.keep(gi);
  // 2. New placements, largest pods first so small ones fill the gaps.
  for (const gi of largestFirst(run.groups, (gi) => run.hasPending(gi))) run.placeNew(gi);
  // 3. What was placed, and why the rest was not.
  return run.result();
}
