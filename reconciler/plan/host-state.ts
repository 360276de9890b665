/**
 * One word for "a host in git that this plan could not observe": the
 * reason a plan is incomplete, and the only kind of host that makes a slot
 * unknown. A host that left git is not one of them: it is emptied when it
 * answers, and only warned about until then.
 */
import type { PlanHost } from "./types.ts";

export function isUnobserved(h: Pick<PlanHost, "state" | "leftGit">): boolean {
  return h.state === "unreachable" && !h.leftGit;
}

/** A host that left git and cannot be reached: pods of this owner may remain there. */
export function mayHoldLeftovers(h: Pick<PlanHost, "state" | "leftGit">): boolean {
  return h.state === "unreachable" && h.leftGit === true;
}
