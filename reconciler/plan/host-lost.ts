/**
 * When a host that does not answer is taken as lost: it has been out of
 * sight (last seen, and found dark since) longer than `hostLostAfter` (operator config, default 5 minutes, like
 * Kubernetes' eviction timeout and Nomad's max_client_disconnect). Until
 * then its slots stay where the record last saw them; after, they are
 * placed on other hosts. The scheduler's input and the diff both ask here.
 */
import type { DeployedRecord } from "../model/deployed.ts";
import { DEFAULT_HOST_LOST_AFTER_MS } from "../model/operator-config.ts";

export type HostSightings = Partial<Pick<DeployedRecord, "lastSeen" | "darkSince">>;

/**
 * Since when a host that is dark now counts as out of sight: the later of
 * when it was last observed and when a pass first found it dark. A host
 * the record does not know as dark yet was found so now; one never seen
 * has no such time.
 */
function outOfSightSince(record: HostSightings | undefined, host: string, now: number): number | undefined {
  const seen = record?.lastSeen?.[host];
  if (seen === undefined) return undefined;
  const dark = record?.darkSince?.[host];
  return Math.max(Date.parse(seen), dark === undefined ? now : Date.parse(dark));
}

/** How long dark `host` has been out of sight, when that is longer than `lostAfterMs`; undefined while it is only dark (or was never seen). */
export function lostFor(record: HostSightings | undefined, host: string, now: number, lostAfterMs = DEFAULT_HOST_LOST_AFTER_MS): number | undefined {
  const since = outOfSightSince(record, host, now);
  if (since === undefined) return undefined;
  return now - since > lostAfterMs ? now - since : undefined;
}

/** How long until dark `host` counts as lost; undefined when it already is, or was never seen. */
export function lostInMs(record: HostSightings | undefined, host: string, now: number, lostAfterMs = DEFAULT_HOST_LOST_AFTER_MS): number | undefined {
  const since = outOfSightSince(record, host, now);
  if (since === undefined) return undefined;
  const left = since + lostAfterMs - now;
  return left > 0 ? left : undefined;
}
