/**
 * Groups a service's changes into rollout waves. Pure.
 *
 * 1. Repairs first: creates and recreates only add ready pods.
 * 2. Replacements, `maxSurge + maxUnavailable` slots per wave (at least 1),
 *    so a wave never runs more than `maxSurge` extra pods nor has more than
 *    `maxUnavailable` slots down (the rollout enforces both while it runs).
 * 3. Removals last, once every replacement is ready.
 */
import type { RolloutPolicy } from "../model/fleet.ts";
import type { PlanChange, Wave } from "./types.ts";

function slotList(slots: readonly number[]): string {
  return slots.join(",");
}

/** The number of slots one replacement wave works on. */
export function waveWidth(rollout: RolloutPolicy | undefined): number {
  if (!rollout) return Number.POSITIVE_INFINITY;
  return Math.max(1, rollout.maxSurge + rollout.maxUnavailable);
}

export function buildWaves(changes: readonly PlanChange[], rollout: RolloutPolicy | undefined): Wave[] {
  const waves: Wave[] = [];
  const add = (slots: number[], summary: string) => {
    if (slots.length > 0) waves.push({ index: waves.length + 1, slots, summary });
  };
  const slotsOf = (...actions: PlanChange["action"][]) => [...new Set(changes.filter((c) => actions.includes(c.action)).map((c) => c.slot))];

  const creates = slotsOf("create");
  const recreates = slotsOf("recreate");
  const repairs = [recreates.length ? `recreate slot${recreates.length > 1 ? "s" : ""} ${slotList(recreates)}` : "", creates.length ? `create slot${creates.length > 1 ? "s" : ""} ${slotList(creates)}` : ""];
  add([...new Set([...recreates, ...creates])].sort((a, b) => a - b), repairs.filter(Boolean).join(", "));

  const replaces = changes.filter((c): c is Extract<PlanChange, { action: "replace" }> => c.action === "replace");
  const width = waveWidth(rollout);
  for (let i = 0; i < replaces.length; i += width) {
    const batch = replaces.slice(i, i + width);
    const orders = [...new Set(batch.map((c) => c.order))].join("/");
    add(batch.map((c) => c.slot), `replace slot${batch.length > 1 ? "s" : ""} ${slotList(batch.map((c) => c.slot))} (${orders})`);
  }
  const removes = slotsOf("remove");
  add(removes, `remove slot${removes.length > 1 ? "s" : ""} ${slotList(removes)}`);
  return waves;
}
