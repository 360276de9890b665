/**
 * What a rollout reports while it works: one event per step, for live
 * progress on a terminal and one line per event in CI logs.
 */
import type { PlanRefusal } from "../plan/types.ts";

export type RolloutPhase = "pull" | "start" | "ready" | "stop" | "remove" | "rollback" | "failed" | "done";

export interface RolloutEvent {
  /** Milliseconds since the epoch, from the rollout's clock. */
  readonly at: number;
  readonly service: string;
  readonly host?: string;
  readonly slot?: number;
  /** The pod the step is about (start, ready, stop, remove, restore). */
  readonly pod?: string;
  readonly phase: RolloutPhase;
  readonly message: string;
}

export interface ServiceResult {
  readonly service: string;
  /**
   * `converged`; `rolled-back` (failed, previous spec restored); `paused` (failed, left as it
   * stands); `failed` (could not even roll back); `interrupted` (berth was stopping: the steps
   * under way were finished, the rest left for the next run).
   */
  readonly result: "converged" | "rolled-back" | "paused" | "failed" | "interrupted";
  readonly reason?: string;
}

export interface ApplyResult {
  readonly ok: boolean;
  readonly services: readonly ServiceResult[];
  /** Hosts that were not observed when the plan was made, or failed during the apply. */
  readonly failedHosts: readonly { readonly host: string; readonly reason: string }[];
  /** Set when the plan was refused: nothing was changed. */
  readonly refused?: PlanRefusal;
  readonly ms: number;
}
