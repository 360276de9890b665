/**
 * Reads health and exit code out of the list call's `Status` text
 * ("Up 5 seconds (healthy)", "Up 2 seconds (health: starting)",
 * "Exited (137) 3 seconds ago"), so observing a host stays one call.
 */
import type { Health } from "./types.ts";

export function healthFromStatus(status: string): Health {
  if (status.includes("(healthy)")) return "healthy";
  if (status.includes("(unhealthy)")) return "unhealthy";
  if (status.includes("(health: starting)")) return "starting";
  return "none";
}

export function exitCodeFromStatus(status: string): number | undefined {
  const m = /^Exited \((-?\d+)\)/.exec(status);
  return m ? Number(m[1]) : undefined;
}
