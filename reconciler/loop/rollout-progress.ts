/**
 * The rollout under way (or the last one), as status data for people: each
 * changing slot's phase and since when, folded from the plan and the
 * rollout's events. Pure: the reconciler hands it the plan when an apply
 * starts, every RolloutEvent while it runs, and the time it ended; status
 * reads `snapshot()`. It only reports: nothing in the loop reads it back.
 */
import type { Plan } from "../plan/types.ts";
import type { RolloutEvent } from "../rollout/events.ts";

/**
 * Where one slot of the rollout is. `queued`: planned, its turn has not come
 * (maxSurge, maxUnavailable, hosts in turn); `launching`: its new pod started
 * and is held at the health gate until it counts; `ready`: it counts (and is
 * watched for `rollout.monitor`); `routed`: every proxy sends it traffic;
 * `draining` / `stopping` / `removed`: the old pod leaving; `resized`: new
 * limits applied in place; `done`; `failed`; `rolled-back`: the old pod
 * restarted.
 */
export type SlotPhase = "queued" | "launching" | "ready" | "routed" | "draining" | "stopping" | "removed" | "resized" | "done" | "failed" | "rolled-back";

export interface RolloutSlotStatus {
  readonly slot: number;
  /** Where the new pod goes (or, for a removal, where the old one runs). */
  readonly host: string;
  /** The plan's action for the slot (`create`, `replace`, `recreate`, `remove`, `resize`). */
  readonly action: string;
  readonly phase: SlotPhase;
  /** ISO time the slot entered `phase`. */
  readonly since: string;
  /** ISO time its new pod started: the health gate's progressDeadline counts from here. */
  readonly startedAt?: string;
  readonly message?: string;
}

export interface RolloutServiceStatus {
  readonly service: string;
  /** The service's `rollout.progressDeadline`: how long a new pod may take to count. */
  readonly progressDeadlineMs?: number;
  readonly slots: readonly RolloutSlotStatus[];
  /** Its last event's phase and message (`pull`, `done`: converged…). */
  readonly last?: { readonly at: string; readonly phase: string; readonly message: string };
  /** Set once its `done` or final `failed` event came. */
  readonly finished?: "converged" | "failed";
}

export interface RolloutStatus {
  readonly commit: string;
  readonly startedAt: string;
  /** Absent while the rollout runs. */
  readonly endedAt?: string;
  readonly services: readonly RolloutServiceStatus[];
}

/** Per slot, each event's phase maps to this one; events of other phases leave the slot as it is. */
const SLOT_PHASE: Partial<Record<RolloutEvent["phase"], SlotPhase>> = {
  start: "launching",
  ready: "ready",
  route: "routed",
  drain: "draining",
  stop: "stopping",
  remove: "removed",
  resize: "resized",
  failed: "failed",
  rollback: "rolled-back",
};

interface MutableSlot {
  slot: number;
  host: string;
  action: string;
  phase: SlotPhase;
  since: number;
  startedAt?: number;
  message?: string;
  /** The new pod this rollout started for the slot: a later stop or remove of another pod is the old one leaving. */
  newPod?: string;
}

interface MutableService {
  service: string;
  progressDeadlineMs?: number;
  slots: Map<number, MutableSlot>;
  last?: { at: number; phase: string; message: string };
  finished?: "converged" | "failed";
}

const iso = (ms: number) => new Date(ms).toISOString();

export class RolloutProgress {
  private commit = "";
  private startedAt = 0;
  private endedAt: number | undefined;
  private services = new Map<string, MutableService>();

  /** A new apply of `plan` starts at `now`: the slots it changes are queued. */
  begin(plan: Plan, now: number): void {
    this.commit = plan.commit;
    this.startedAt = now;
    this.endedAt = undefined;
    this.services = new Map();
    for (const s of plan.services) {
      const slots = new Map<number, MutableSlot>();
      for (const c of s.changes) {
        if (c.action === "keep" || c.action === "unplaced" || c.action === "unknown") continue;
        slots.set(c.slot, { slot: c.slot, host: c.host, action: c.action, phase: "queued", since: now });
      }
      if (slots.size > 0) this.services.set(s.name, { service: s.name, ...(s.rollout ? { progressDeadlineMs: s.rollout.progressDeadlineMs } : {}), slots });
    }
  }

  /** One event of the rollout under way. */
  note(e: RolloutEvent): void {
    let svc = this.services.get(e.service);
    // A service with nothing to change reports only its `done`: not worth a line.
    if (!svc && e.phase === "done") return;
    if (!svc) {
      // A service the plan did not list as changing (berth-proxy's routes pushed): shown from its first event.
      svc = { service: e.service, slots: new Map() };
      this.services.set(e.service, svc);
    }
    svc.last = { at: e.at, phase: e.phase, message: e.message };
    if (e.phase === "done") svc.finished = svc.finished ?? "converged";
    if (e.slot === undefined) {
      if (e.phase === "failed" || e.phase === "rollback") svc.finished = "failed";
      if (e.phase === "done") for (const s of svc.slots.values()) if (s.phase !== "failed" && s.phase !== "rolled-back") Object.assign(s, { phase: "done", since: e.at });
      return;
    }
    const phase = SLOT_PHASE[e.phase];
    if (!phase) return;
    let slot = svc.slots.get(e.slot);
    if (!slot) {
      slot = { slot: e.slot, host: e.host ?? "", action: "", phase, since: e.at };
      svc.slots.set(e.slot, slot);
    }
    if (e.phase === "start") {
      slot.startedAt = e.at;
      if (e.pod) slot.newPod = e.pod;
      if (e.host) slot.host = e.host;
    }
    // Old and new pod share the slot: the old one draining and stopping after its replacement counts is the slot's next step (stop-first: its first).
    slot.phase = phase;
    slot.since = e.at;
    slot.message = e.message;
  }

  /** The apply ended at `now`. */
  end(now: number): void {
    this.endedAt = now;
  }

  /** The rollout under way, or the last one; undefined before the first. */
  snapshot(): RolloutStatus | undefined {
    if (!this.commit) return undefined;
    return {
      commit: this.commit,
      startedAt: iso(this.startedAt),
      ...(this.endedAt !== undefined ? { endedAt: iso(this.endedAt) } : {}),
      services: [...this.services.values()].map((s) => ({
        service: s.service,
        ...(s.progressDeadlineMs !== undefined ? { progressDeadlineMs: s.progressDeadlineMs } : {}),
        slots: [...s.slots.values()]
          .sort((a, b) => a.slot - b.slot)
          .map((x) => ({ slot: x.slot, host: x.host, action: x.action, phase: x.phase, since: iso(x.since), ...(x.startedAt !== undefined ? { startedAt: iso(x.startedAt) } : {}), ...(x.message ? { message: x.message } : {}) })),
        ...(s.last ? { last: { at: iso(s.last.at), phase: s.last.phase, message: s.last.message } } : {}),
        ...(s.finished ? { finished: s.finished } : {}),
      })),
    };
  }
}
