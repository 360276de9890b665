/**
 * Follows every engine's event stream for this owner's containers and asks
 * for a reconcile (debounced) when a pod dies, is removed, stops or turns
 * unhealthy. A stream that ends (an engine restart) is re-subscribed with
 * backoff.
 */
import type { DockerHost, EngineEvent } from "../docker/types.ts";
import type { Logger } from "./logger.ts";

const DEBOUNCE_MS = 300;
const RESUBSCRIBE_MAX_MS = 30_000;

export class EngineEvents {
  private readonly subs = new Map<string, { close(): void }>();
  private readonly retry = new Map<string, NodeJS.Timeout>();
  private debounce: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly owner: string,
    private readonly onDrift: (e: EngineEvent) => void,
    private readonly log: Logger,
  ) {}

  /** Follows exactly these hosts from now on. */
  follow(hosts: ReadonlyMap<string, DockerHost>): void {
    for (const [name, sub] of this.subs) {
      if (!hosts.has(name)) {
        sub.close();
        this.subs.delete(name);
      }
    }
    for (const [name, host] of hosts) if (!this.subs.has(name)) this.subscribe(host, 1_000);
  }

  private subscribe(host: DockerHost, backoffMs: number): void {
    if (this.closed) return;
    const sub = host.events(
      this.owner,
      (e) => {
        // Job runs end by design; only services drift.
        if (e.action === "healthy" || e.action === "start" || e.kind === "job") return;
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => this.onDrift(e), DEBOUNCE_MS);
      },
      (err) => {
        if (this.closed) return;
        this.subs.delete(host.name);
        this.log.warn({ host: host.name, err: err?.message }, `event stream of ${host.name} ended; re-subscribing in ${backoffMs} ms`);
        clearTimeout(this.retry.get(host.name));
        this.retry.set(host.name, setTimeout(() => this.subscribe(host, Math.min(RESUBSCRIBE_MAX_MS, backoffMs * 2)), backoffMs));
      },
    );
    this.subs.set(host.name, sub);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.debounce);
    for (const t of this.retry.values()) clearTimeout(t);
    for (const s of this.subs.values()) s.close();
    this.subs.clear();
  }
}
