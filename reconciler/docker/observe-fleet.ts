/**
 * Observes many hosts in parallel, a bounded number at a time. An
 * unreachable host is reported in its observation and never holds up the
 * others.
 */
import pLimit from "p-limit";
import { BerthError, type ErrorInfo } from "../model/berth-error.ts";
import { causeOf } from "./errors.ts";
import type { DockerHost, HostObservation } from "./types.ts";

export const OBSERVE_CONCURRENCY = 32;

/** Why a host could not be observed. The message is the cause alone (the host is named beside it); a failure berth does not know is looked at again. */
function observeFailure(err: unknown): ErrorInfo {
  const message = causeOf(err);
  if (err instanceof BerthError) return { code: err.code, reaction: err.reaction, message, data: err.data };
  return { code: "observe-failed", reaction: "retry", message, data: {} };
}

export async function observeFleet(hosts: readonly DockerHost[], owner: string, concurrency = OBSERVE_CONCURRENCY): Promise<HostObservation[]> {
  const limit = pLimit(concurrency);
  return Promise.all(
    hosts.map((h) =>
      limit(async (): Promise<HostObservation> => {
        try {
          const [containers, capacity, portsInUse] = await Promise.all([h.observe(owner), h.capacity(), h.portsInUse(owner)]);
          return { host: h.name, ok: true, containers, capacity, portsInUse };
        } catch (err) {
          return { host: h.name, ok: false, error: observeFailure(err) };
        }
      }),
    ),
  );
}
