/**
 * The crash window (DESIGN §6, rollout.monitor, like Swarm's
 * --update-monitor): after a new pod counts as ready, it is watched until
 * its window ends, and a pod that dies or turns unhealthy in it fails the
 * rollout. Every pod watched on one host is judged from one list call per
 * poll (`observe`: state and engine health of this owner's containers), not
 * a status call per container, so a wide rollout costs one request per host
 * and poll. The watch is shared by the services of one apply.
 */
import type { DockerHost, ObservedContainer } from "../docker/types.ts";
import type { Clock } from "./clock.ts";
import { NotReadyError, exitReason } from "./health-gate.ts";
import type { TextMask } from "./mask-secrets.ts";

/** How often a host is looked at while pods on it are in their window. */
export const WATCH_POLL_MS = 500;

export interface WatchedPod {
  readonly host: DockerHost;
  readonly pod: string;
  /** The container names of the pod, main first: a missing one is a crash too. */
  readonly containers: readonly string[];
  /** Clock ms at which the window ends. */
  readonly until: number;
  readonly mask: TextMask;
  /** True once the rollout is failing: the watch ends without judging. */
  readonly stop: () => boolean;
}

interface Watcher extends WatchedPod {
  readonly window: string;
  readonly settle: (err?: unknown) => void;
}

export class CrashWatch {
  private readonly hosts = new Map<DockerHost, Watcher[]>();

  constructor(
    private readonly owner: string,
    private readonly clock: Clock,
  ) {}

  /** Resolves when the pod's window has passed (or `stop()`); rejects with NotReadyError when it crashed in it. */
  watch(w: WatchedPod): Promise<void> {
    return new Promise((resolve, reject) => {
      const window = `within the ${Math.round((w.until - this.clock.now()) / 100) / 10} s monitor window after it counted as ready`;
      const list = this.hosts.get(w.host);
      const watcher: Watcher = { ...w, window, settle: (err) => (err === undefined ? resolve() : reject(err)) };
      if (list) list.push(watcher);
      else {
        this.hosts.set(w.host, [watcher]);
        void this.poll(w.host);
      }
    });
  }

  /**
   * One loop per host, while any pod on it is watched. A look is due every
   * WATCH_POLL_MS, and also the moment the first window on the host ends:
   * that pod's verdict then comes when its window does, not up to a poll
   * later (the rollout waits for it before it removes the old pods).
   */
  private async poll(host: DockerHost): Promise<void> {
    for (;;) {
      const firstEnd = Math.min(...(this.hosts.get(host) ?? []).map((w) => w.until));
      await this.clock.sleep(Math.max(0, Math.min(WATCH_POLL_MS, firstEnd - this.clock.now())));
      const watchers = this.hosts.get(host) ?? [];
      let seen: ObservedContainer[] | undefined;
      try {
        seen = await host.observe(this.owner);
      } catch {
        // An engine that does not answer says nothing about the pod: look again next time.
      }
      const now = this.clock.now();
      const left: Watcher[] = [];
      for (const w of watchers) {
        const why = seen ? await this.crashed(w, seen) : undefined;
        if (why) w.settle(new NotReadyError({ host: host.name, pod: w.pod, reason: `${why} (${w.window})` }));
        else if (now >= w.until || w.stop()) w.settle();
        else left.push(w);
      }
      // Pods added while this look was under way are kept for the next one.
      const added = (this.hosts.get(host) ?? []).filter((w) => !watchers.includes(w));
      if (left.length + added.length === 0) {
        this.hosts.delete(host);
        return;
      }
      this.hosts.set(host, [...left, ...added]);
    }
  }

  private async crashed(w: Watcher, seen: readonly ObservedContainer[]): Promise<string | undefined> {
    const mine = new Map(seen.filter((c) => c.pod === w.pod).map((c) => [c.container, c]));
    for (const name of w.containers) {
      const c = mine.get(name);
      if (!c) return `container ${name} is gone`;
      if (c.state === "exited" || c.state === "dead") return exitReason(w.host, name, c, w.mask);
    }
    return mine.get(w.containers[0]!)?.health === "unhealthy" ? "the engine reports it unhealthy" : undefined;
  }
}
