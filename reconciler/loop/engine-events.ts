/**
 * Follows every engine's event stream for this owner's containers and asks
 * for a reconcile (debounced) when a pod dies, is removed, stops or turns
 * unhealthy. A stream that ends (an engine restart) is re-subscribed with
 * backoff.
 */
import type { DockerHost, EngineEvent } from "../docker/types.ts";
import type { Logger } from "./logger.ts";
import { systemTimers, type Timers } from "./timers.ts";

export interface EngineEventsTiming {
  /** Quiet time after the last event before a reconcile is asked for. */
  readonly debounceMs: number;
  /** First wait before re-subscribing to an ended stream; doubles up to `resubscribeMaxMs`. */
  readonly resubscribeMs: number;
  readonly resubscribeMaxMs: number;
}

const DEFAULT_TIMING: EngineEventsTiming = { debounceMs: 300, resubscribeMs: 1_000, resubscribeMaxMs: 30_000 };

export interface EngineEventsOptions {
  readonly timing?: EngineEventsTiming;
  /** The debounce and the re-subscribe backoff run on these (fake ones in tests). */
  readonly timers?: Timers;
}

export class EngineEvents {
  private readonly subs = new Map<string, { close(): void }>();
  /** Hosts whose stream the engine has accepted and that has not ended since. */
  private readonly live = new Set<string>();
  /** Per host, the cancel of its pending re-subscription. */
  private readonly retry = new Map<string, () => void>();
  private cancelDebounce: (() => void) | undefined;
  private closed = false;
  private readonly timing: EngineEventsTiming;
  private readonly timers: Timers;

  constructor(
    private readonly owner: string,
    private readonly on: {
      /** A pod of this owner died, was removed, stopped or turned unhealthy (debounced: the last event of a burst). */
      readonly drift: (e: EngineEvent) => void;
      /** A stream ended earlier is followed again: events in between were missed, so resync. */
      readonly resubscribed: (host: string) => void;
      /** Events berth caused itself (its own stops and removals), dropped before debouncing. */
      readonly ours?: (e: EngineEvent) => boolean;
    },
    private readonly log: Logger,
    opts: EngineEventsOptions = {},
  ) {
    this.timing = opts.timing ?? DEFAULT_TIMING;
    this.timers = opts.timers ?? systemTimers;
  }

  /** Follows exactly these hosts from now on. */
  follow(hosts: ReadonlyMap<string, DockerHost>): void {
    for (const [name, sub] of this.subs) {
      if (!hosts.has(name)) {
        sub.close();
        this.subs.delete(name);
        this.live.delete(name);
      }
    }
    for (const [name, cancel] of this.retry) {
      if (!hosts.has(name)) {
        cancel();
        this.retry.delete(name);
      }
    }
    for (const [name, host] of hosts) if (!this.subs.has(name) && !this.retry.has(name)) this.subscribe(host, this.timing.resubscribeMs);
  }

  /**
   * Follows `host`'s stream. A re-subscription (`again`) asks for a resync
   * once the engine has accepted the stream, not when it is asked for: an
   * engine that is still down refuses it a moment later, and a resync then
   * would be a pass for nothing.
   */
  private subscribe(host: DockerHost, backoffMs: number, again = false): void {
    this.retry.delete(host.name);
    if (this.closed) return;
    let next = backoffMs;
    let ended = false;
    const sub = host.events(
      this.owner,
      (e) => {
        // The stream works again: the next failure starts the backoff afresh.
        next = this.timing.resubscribeMs;
        // Job runs end by design; only services drift.
        if (e.action === "healthy" || e.action === "start" || e.kind === "job" || this.on.ours?.(e)) return;
        this.cancelDebounce?.();
        this.cancelDebounce = this.timers.after(this.timing.debounceMs, () => this.on.drift(e));
      },
      (err) => {
        if (this.closed || ended) return;
        ended = true;
        this.subs.delete(host.name);
        this.live.delete(host.name);
        this.log.warn({ host: host.name, err: err?.message }, `event stream of ${host.name} ended; re-subscribing in ${next} ms`);
        const wait = next;
        this.retry.set(
          host.name,
          this.timers.after(wait, () => this.subscribe(host, Math.min(this.timing.resubscribeMaxMs, wait * 2), true)),
        );
      },
      () => {
        if (ended || this.closed) return;
        this.live.add(host.name);
        if (again) this.on.resubscribed(host.name);
      },
    );
    // A stream that could not even be opened may have ended already.
    if (!ended) this.subs.set(host.name, sub);
  }

  /** True when every followed host's stream is open: nothing a pod does goes unseen. */
  allLive(): boolean {
    if (this.closed || this.retry.size > 0) return false;
    for (const name of this.subs.keys()) if (!this.live.has(name)) return false;
    return true;
  }

  close(): void {
    this.closed = true;
    this.live.clear();
    this.cancelDebounce?.();
    for (const cancel of this.retry.values()) cancel();
    this.retry.clear();
    for (const s of this.subs.values()) s.close();
    this.subs.clear();
  }
}
