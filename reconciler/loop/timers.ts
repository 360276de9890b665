/**
 * Time as the daemon's loop sees it: the current time and one-shot timers,
 * injected so the loop, the job runner and the engine-event follower can be
 * tested on fake time (test/support/fake-timers.ts) instead of sleeping.
 */
export interface Timers {
  now(): number;
  /** Calls `fn` once after `ms`; the returned function cancels it (a no-op once it ran). */
  after(ms: number, fn: () => void): () => void;
}

export const systemTimers: Timers = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};
