/**
 * The engines' own record of when each of an owner's main containers began
 * to stop: the first `kill`, `die` or `stop` event the engine sent for it.
 * `docker stop` sends `kill` (SIGTERM) at once, while the container is still
 * listed as running until its process exits, so a test can tell a pod berth
 * has begun to stop from one still meant to run. `start` events are followed
 * too: a pod stopped and started again (a rollback) is meant to run again.
 */
import { engineClient } from "../../testbed/engines.ts";
import type { BedHost } from "../../testbed/layout.ts";

/** A container's stop as the engine recorded it: the first kill, die or stop event. */
export interface StopEvent {
  readonly id: string;
  readonly host: string;
  readonly slot: string;
  readonly image: string;
  /** The engine's time of the event, ms since the epoch. */
  readonly at: number;
}

export interface RecordedStops {
  /** Each container's first stop, so far. */
  readonly stops: ReadonlyMap<string, StopEvent>;
  /** Whether container `id` had been told to stop at `at` (ms), and not started again since. */
  stoppingAt(id: string, at: number): boolean;
  close(): void;
}

/** Follows the engines' container events for `owner`'s main containers from `since` (ms). */
export async function recordStops(hosts: readonly BedHost[], owner: string, since: number): Promise<RecordedStops> {
  /** Every container's kill, die, stop and start events, in the order its engine sent them. */
  const history = new Map<string, (StopEvent & { stop: boolean })[]>();
  const streams = await Promise.all(
    hosts.map(async (h) => {
      const filters = { type: ["container" as const], event: ["kill", "die", "stop", "start"], label: [`berth.owner=${owner}`, "berth.container=main"] };
      const stream = (await engineClient(h).getEvents({ since: Math.floor(since / 1000), filters })) as unknown as NodeJS.ReadableStream & { destroy(): void };
      let buf = "";
      stream.on("data", (chunk: Buffer) => {
        buf += chunk.toString();
        const lines = buf.split("\n");
        buf = lines.pop()!;
        for (const line of lines.filter(Boolean)) {
          const e = JSON.parse(line) as { id: string; Action: string; timeNano: number; Actor: { Attributes: Record<string, string> } };
          const a = e.Actor.Attributes;
          let list = history.get(e.id);
          if (!list) history.set(e.id, (list = []));
          list.push({ id: e.id, host: h.name, slot: a["berth.slot"]!, image: a["image"]!, at: Math.floor(e.timeNano / 1e6), stop: e.Action !== "start" });
        }
      });
      return stream;
    }),
  );
  return {
    get stops() {
      const first = new Map<string, StopEvent>();
      for (const [id, list] of history) {
        const stop = list.find((e) => e.stop);
        if (stop) first.set(id, stop);
      }
      return first;
    },
    stoppingAt: (id, at) => history.get(id)?.findLast((e) => e.at < at)?.stop === true,
    close: () => streams.forEach((s) => s.destroy()),
  };
}
