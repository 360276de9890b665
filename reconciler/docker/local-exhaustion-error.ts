/**
 * berth itself ran out of something (file descriptors, memory) while
 * talking to engines. It is berth's fault, not the host's: the host is not
 * counted unreachable, and nothing is planned on what berth did not see.
 */
import { BerthError } from "../model/berth-error.ts";

/** The errno codes that mean berth's own process or machine is out of a resource. */
export const LOCAL_EXHAUSTION = new Set(["EMFILE", "ENFILE", "ENOBUFS", "ENOMEM"]);

export class LocalExhaustionError extends BerthError {
  readonly code = "local-exhaustion";
  readonly reaction = "retry";
  constructor(readonly data: { errno: string; what: string; hosts: number; concurrency: number; limit?: number }) {
    super(
      `berth ran out of ${data.errno === "EMFILE" || data.errno === "ENFILE" ? "file descriptors" : "memory or buffers"} (${data.errno}) while ${data.what}` +
        `${data.limit !== undefined ? `; its limit is ${data.limit} open files` : ""}. No host was counted unreachable for it. ` +
        `Raise the limit (ulimit -n, or LimitNOFILE= in the systemd unit; budget in docs/scale.md) or lower BERTH_OBSERVE_CONCURRENCY (now ${data.concurrency}).`,
    );
  }
}

/** The soft limit on open files of this process, from /proc on Linux; undefined elsewhere. */
export function openFileLimit(read: (path: string) => string): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(read("/proc/self/limits"));
    return m && m[1] !== "unlimited" ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
