/**
 * Observes many hosts in parallel, a bounded number at a time. An
 * unreachable host is reported in its observation and never holds up the
 * others.
 */
import pLimit from "p-limit";
import { causeOf } from "./errors.ts";
import type { DockerHost, HostObservation } from "./types.ts";

export const OBSERVE_CONCURRENCY = 32;

export async function observeFleet(hosts: readonly DockerHost[], owner: string, concurrency = OBSERVE_CONCURRENCY): Promise<HostObservation[]> {
  const limit = pLimit(concurrency);
  return Promise.all(
    hosts.map((h) =>
      limit(async (): Promise<HostObservation> => {
        try {
          const [containers, capacity, portsInUse] = await Promise.all([h.observe(owner), h.capacity(), h.portsInUse(owner)]);
          return { host: h.name, ok: true, containers, capacity, portsInUse };
        } catch (err) {
          const e = err as { code?: string; retryable?: boolean };
          return { host: h.name, ok: false, error: { code: e.code ?? "OBSERVE_FAILED", message: causeOf(err), retryable: e.retryable ?? true } };
        }
      }),
    ),
  );
}
