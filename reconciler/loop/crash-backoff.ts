/**
 * Per-slot backoff for pods that keep dying, so a crashing image cannot
 * hammer its engine: each recreate of a slot doubles the wait before the
 * next one (2 s, 4 s, 8 s … up to 5 minutes). A slot is forgiven only once
 * its pod has stayed up for a while, not merely because a pass saw it
 * running between two crashes.
 */
import { withSteps } from "../plan/diff.ts";
import type { Plan } from "../plan/types.ts";

export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_MAX_MS = 5 * 60_000;
/** How long a recreated pod must stay up before its slot's failures are forgotten. */
export const STABLE_MS = 60_000;

interface SlotBackoff {
  failures: number;
  /** No recreate before this time. */
  until: number;
  /** When the slot was last recreated. */
  at: number;
}

export class CrashBackoff {
  private readonly slots = new Map<string, SlotBackoff>();

  /** The plan without the recreates of slots still waiting out their backoff. */
  filter(plan: Plan, now: number): Plan {
    const services = plan.services.map((s) => {
      const changes = s.changes.filter((c) => c.action !== "recreate" || (this.slots.get(`${s.name}/${c.slot}`)?.until ?? 0) <= now);
      if (changes.length === s.changes.length) return s;
      const { waves: _, ...rest } = s;
      return withSteps({ ...rest, changes });
    });
    return { ...plan, services };
  }

  /** Records the recreates a plan is about to carry out, and forgives slots whose pods stayed up. */
  note(plan: Plan, now: number): void {
    for (const s of plan.services) {
      for (const c of s.changes) {
        const key = `${s.name}/${c.slot}`;
        const b = this.slots.get(key);
        if (c.action === "keep" && b && now - b.at >= Math.max(STABLE_MS, 2 * (b.until - b.at))) this.slots.delete(key);
        if (c.action !== "recreate") continue;
        const failures = (b?.failures ?? 0) + 1;
        this.slots.set(key, { failures, at: now, until: now + Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failures - 1)) });
      }
    }
  }

  /** The slots of `service` waiting out a backoff now, for status. */
  waiting(service: string, now: number): { slot: number; failures: number; retryInMs: number }[] {
    const out: { slot: number; failures: number; retryInMs: number }[] = [];
    for (const [key, b] of this.slots) {
      const cut = key.lastIndexOf("/");
      if (key.slice(0, cut) === service && b.until > now) out.push({ slot: Number(key.slice(cut + 1)), failures: b.failures, retryInMs: b.until - now });
    }
    return out.sort((a, b) => a.slot - b.slot);
  }

  /** How long until the first recreate that `filter` holds back in `plan` may run; undefined when none is held. */
  nextRetryMs(plan: Plan, now: number): number | undefined {
    const waits = plan.services.flatMap((s) => s.changes.flatMap((c) => (c.action === "recreate" ? [(this.slots.get(`${s.name}/${c.slot}`)?.until ?? 0) - now] : []))).filter((w) => w > 0);
    return waits.length ? Math.min(...waits) : undefined;
  }
}
