/**
 * Fake time for the loop's `Timers`: nothing fires until the test moves the
 * clock with `advance`, which runs every timer that falls due, in order,
 * letting promises settle between them.
 */
import type { Timers } from "../../reconciler/loop/timers.ts";

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

export class FakeTimers implements Timers {
  private t: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  after(ms: number, fn: () => void): () => void {
    const p: Pending = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.pending.push(p);
    return () => {
      this.pending = this.pending.filter((x) => x !== p);
    };
  }

  /** How many timers are waiting. */
  get waiting(): number {
    return this.pending.length;
  }

  /** Moves time forward by `ms`, firing what falls due (and what those schedule within the span). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const next = [...this.pending].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next || next.at > end) break;
      this.pending = this.pending.filter((x) => x !== next);
      this.t = next.at;
      next.fn();
    }
    this.t = end;
    await settle();
  }
}

/** Lets pending promise callbacks run (a few macrotask turns). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}
