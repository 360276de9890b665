/**
 * How a long-running process loads a commit: `loadFleet` on its own thread,
 * or a `LoadThread` off it. Both give the same `LoadResult`.
 */
import { loadFleet, type LoadOptions, type LoadResult } from "./load-fleet.ts";
import type { RepoSnapshot } from "./source.ts";

export interface FleetLoader {
  load(snapshot: RepoSnapshot, options?: LoadOptions): Promise<LoadResult>;
  /** Frees what the loader holds (its thread); a closed loader loads no more. */
  close(): Promise<void>;
}

/** `loadFleet` on the calling thread: for tests and for processes that serve nothing while they load. */
export const loadOnThisThread: FleetLoader = {
  load: async (snapshot, options) => loadFleet(snapshot, options),
  close: async () => {},
};
