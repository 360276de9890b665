/**
 * When a host that does not answer is taken as lost: it was last seen
 * longer than `hostLostAfter` ago (operator config, default 5 minutes, like
 * Kubernetes' eviction timeout and Nomad's max_client_disconnect). Until
 * then its slots stay where the record last saw them; after, they are
 * placed on other hosts. The scheduler's input and the diff both ask here.
 */
import { DEFAULT_HOST_LOST_AFTER_MS } from "../model/operator-config.ts";

/** How long `host` has been out of sight, when that is longer than `lostAfterMs`; undefined while it is only dark (or was never seen). */
export function lostFor(lastSeen: Readonly<Record<string, string>> | undefined, host: string, now: number, lostAfterMs = DEFAULT_HOST_LOST_AFTER_MS): number | undefined {
  const seen = lastSeen?.[host];
  if (seen === undefined) return undefined;
  const since = now - Date.parse(seen);
  return since > lostAfterMs ? since : undefined;
}

/** How long until a dark `host` counts as lost; undefined when it already is, or was never seen. */
export function lostInMs(lastSeen: Readonly<Record<string, string>> | undefined, host: string, now: number, lostAfterMs = DEFAULT_HOST_LOST_AFTER_MS): number | undefined {
  const seen = lastSeen?.[host];
  if (seen === undefined) return undefined;
  const left = Date.parse(seen) + lostAfterMs - now;
  return left > 0 ? left : undefined;
}
