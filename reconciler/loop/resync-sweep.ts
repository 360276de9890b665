/**
 * The periodic resync, spread over its interval (issue 16): one host at a
 * time, `--resync` / hosts apart, each asked for its containers (1 request;
 * the engine's info is not read again). What a host shows is compared with
 * what the last pass saw of it; only a difference (a pod gone, stopped or
 * unhealthy, one berth did not see start, the host unreachable or back)
 * runs a pass, which then looks at the whole fleet. A fleet in sync costs
 * each engine one request per interval, never the whole fleet at once.
 *
 * Looks are not awaited one after another: a host that hangs until its
 * timeout holds up no other. At most `maxInFlight` are open at a time; a
 * host whose turn comes while that many are is looked at in the next round.
 */
import type { DockerHost, ObservedContainer } from "../docker/types.ts";
import type { Timers } from "./timers.ts";

/** What the last pass saw of one host. `pass` tells passes apart: a look that spans a pass compares with nothing. */
export interface LastLook {
  readonly pass: number;
  readonly reachable: boolean;
  readonly containers: readonly Pick<ObservedContainer, "kind" | "pod" | "container" | "state" | "health">[];
}

export interface ResyncSweepDeps {
  readonly owner: string;
  readonly intervalMs: number;
  readonly timers: Timers;
  readonly maxInFlight: number;
  /** The hosts the last pass connected to. */
  hosts(): ReadonlyMap<string, DockerHost>;
  /** What the last pass saw of `host`; undefined while a pass runs, before the first, or for a host it did not look at. */
  lastLook(host: string): LastLook | undefined;
  /** `host` shows something the last pass did not see: `why` says what. */
  differs(host: string, why: string): void;
}

/** A service pod's containers as the comparison sees them: a health check still `starting` is not a change. */
function shape(look: Pick<LastLook, "containers">): string[] {
  return look.containers
    .filter((c) => c.kind === "service")
    .map((c) => `${c.pod}/${c.container} ${c.state}${c.health === "unhealthy" ? " unhealthy" : ""}`)
    .sort();
}

/** What changed between the last pass's look and this one, or undefined when nothing did. */
export function lookDifference(before: Omit<LastLook, "pass">, now: Omit<LastLook, "pass">): string | undefined {
  if (before.reachable !== now.reachable) return now.reachable ? "it answers again" : "it does not answer";
  if (!now.reachable) return undefined;
  const was = new Set(shape(before));
  const is = new Set(shape(now));
  const gone = [...was].filter((c) => !is.has(c));
  const added = [...is].filter((c) => !was.has(c));
  if (gone.length === 0 && added.length === 0) return undefined;
  return [gone.length > 0 ? `was ${gone.slice(0, 3).join(", ")}${gone.length > 3 ? ` (+${gone.length - 3})` : ""}` : "", added.length > 0 ? `now ${added.slice(0, 3).join(", ")}${added.length > 3 ? ` (+${added.length - 3})` : ""}` : ""].filter(Boolean).join("; ");
}

export class ResyncSweep {
  private order: string[] = [];
  private next = 0;
  private inFlight = 0;
  private cancel: (() => void) | undefined;
  /** When the next turn is due (timers' ms). */
  private due: number | undefined;
  private stopped = false;

  constructor(private readonly deps: ResyncSweepDeps) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }

  /**
   * The pass connected another set of hosts: the next turn comes one new
   * gap from now. Without this, a sweep started before the first pass
   * (no host known: one gap is the whole interval) first looked a whole
   * `--resync` after start.
   */
  hostsChanged(): void {
    if (this.stopped || this.cancel === undefined) return;
    this.cancel();
    this.due = undefined;
    this.schedule();
  }

  /**
   * Each turn is due one gap after the turn before it was due, not after it
   * ran: a timer fires a little late, and at 10,000 hosts that was enough
   * for a lap to take 1.4 % longer than `--resync` (9,862 hosts in 600 s).
   * A turn more than a gap late runs at once, and the turns after it keep
   * their spacing from there: a stalled loop causes one extra turn, no
   * burst. No turn waits more than a gap either, should the clock be set
   * back.
   */
  private schedule(): void {
    if (this.stopped) return;
    const gap = this.deps.intervalMs / Math.max(1, this.deps.hosts().size);
    const now = this.deps.timers.now();
    this.due = this.due === undefined ? now + gap : Math.min(now + gap, Math.max(this.due + gap, now));
    this.cancel = this.deps.timers.after(this.due - now, () => {
      this.turn();
      this.schedule();
    });
  }

  /** The next host in name order; a new round takes the hosts as they are now. */
  private turn(): void {
    const hosts = this.deps.hosts();
    if (this.next >= this.order.length) {
      this.order = [...hosts.keys()].sort();
      this.next = 0;
    }
    const name = this.order[this.next++];
    const host = name === undefined ? undefined : hosts.get(name);
    if (!host || this.inFlight >= this.deps.maxInFlight) return;
    const before = this.deps.lastLook(host.name);
    if (!before) return;
    this.inFlight++;
    void this.look(host, before).finally(() => this.inFlight--);
  }

  private async look(host: DockerHost, before: LastLook): Promise<void> {
    const now = await host.observe(this.deps.owner).then(
      (containers) => ({ reachable: true, containers }),
      () => ({ reachable: false, containers: [] }),
    );
    if (this.stopped || this.deps.lastLook(host.name)?.pass !== before.pass) return;
    const why = lookDifference(before, now);
    if (why) this.deps.differs(host.name, why);
  }
}
