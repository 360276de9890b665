/**
 * What a rollout reports while it works: one event per step, for live
 * progress on a terminal and one line per event in CI logs.
 */
import type { ErrorInfo } from "../model/berth-error.ts";
import type { PlanRefusal } from "../plan/types.ts";

export type RolloutPhase = "pull" | "resize" | "start" | "ready" | "route" | "drain" | "stop" | "remove" | "rollback" | "failed" | "done";

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
   * stands); `failed` (could not even roll back, or nothing was started); `interrupted` (berth
   * was stopping: the steps under way were finished, the rest left for the next run); `waiting`
   * (not the commit's fault: a host stopped answering or the registry is down; what could be
   * done was, and the loop takes up the rest with backoff).
   */
  readonly result: "converged" | "rolled-back" | "paused" | "failed" | "interrupted" | "waiting";
  readonly reason?: string;
  /** Why it did not converge, as data: the loop holds, retries or reports from `error.reaction` alone. */
  readonly error?: ErrorInfo;
  /** For `waiting` after a host stopped answering: the hosts this rollout converged, and those it waits for. */
  readonly hosts?: { readonly converged: readonly string[]; readonly waiting: readonly { readonly host: string; readonly code: string; readonly message: string }[] };
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
