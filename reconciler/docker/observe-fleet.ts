/**
 * Observes many hosts in parallel, a bounded number at a time. An
 * unreachable host is reported in its observation and never holds up the
 * others. berth running out of descriptors or memory is berth's own error,
 * thrown for the whole observation: never a host outage, never a plan made
 * on the hosts it happened to see.
 */
import { readFileSync } from "node:fs";
import pLimit from "p-limit";
import { BerthError, type ErrorInfo } from "../model/berth-error.ts";
import { causeOf } from "./errors.ts";
import { LOCAL_EXHAUSTION, LocalExhaustionError, openFileLimit } from "./local-exhaustion-error.ts";
import type { DockerHost, HostObservation } from "./types.ts";

export const OBSERVE_CONCURRENCY = 32;

/** Hosts observed at once: BERTH_OBSERVE_CONCURRENCY (1–1024) or 32. Each costs at most 2 sockets while it is looked at. */
export function observeConcurrency(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.BERTH_OBSERVE_CONCURRENCY);
  return Number.isInteger(n) && n >= 1 && n <= 1024 ? n : OBSERVE_CONCURRENCY;
}

/** Why a host could not be observed. The message is the cause alone (the host is named beside it); a failure berth does not know is looked at again. */
function observeFailure(err: unknown): ErrorInfo {
  const message = causeOf(err);
  if (err instanceof BerthError) return { code: err.code, reaction: err.reaction, message, data: err.data };
  return { code: "observe-failed", reaction: "retry", message, data: {} };
}

/** The errno of a failure that is berth's own lack of resources, or undefined. */
function exhaustion(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && LOCAL_EXHAUSTION.has(code) ? code : undefined;
}

export async function observeFleet(hosts: readonly DockerHost[], owner: string, concurrency = observeConcurrency()): Promise<HostObservation[]> {
  const limit = pLimit(concurrency);
  let exhausted: string | undefined;
  const observations = await Promise.all(
    hosts.map((h) =>
      limit(async (): Promise<HostObservation> => {
        try {
          const [containers, capacity, portsInUse] = await Promise.all([h.observe(owner), h.capacity(), h.portsInUse(owner)]);
          return { host: h.name, ok: true, containers, capacity, portsInUse };
        } catch (err) {
          exhausted ??= exhaustion(err);
          return { host: h.name, ok: false, error: observeFailure(err) };
        }
      }),
    ),
  );
  if (exhausted) {
    const limitNow = openFileLimit((p) => readFileSync(p, "utf8"));
    throw new LocalExhaustionError({ errno: exhausted, what: `observing ${hosts.length} hosts, ${concurrency} at a time`, hosts: hosts.length, concurrency, ...(limitNow !== undefined ? { limit: limitNow } : {}) });
  }
  return observations;
}
