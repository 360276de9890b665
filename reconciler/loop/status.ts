/**
 * What the daemon serves at `/status` (and `berth status --json` prints):
 * plain JSON, rebuilt from the last pass.
 */
import type { PublishedPort } from "../docker/types.ts";
import type { Plan, PodRef } from "../plan/types.ts";

export interface ServiceStatus {
  readonly name: string;
  /** The commit its running pods came from (the most common one). */
  readonly commit?: string;
  readonly desired: number;
  readonly ready: number;
  readonly hosts: readonly string[];
  /** Where each running replica answers: its host and published ports, engine-assigned ones included. */
  readonly endpoints: readonly { readonly host: string; readonly slot: number; readonly ports: readonly PublishedPort[] }[];
  /** `healthy` (all ready), `degraded` (some), `down` (none), `progressing` (changes pending). */
  readonly health: "healthy" | "degraded" | "down" | "progressing";
  readonly lastResult?: string;
  readonly reason?: string;
  /** The last rollout's error, when it did not converge: its code and how berth reacts (`stalled`: held; `retry`: looked at again). */
  readonly error?: { readonly code: string; readonly reaction: string };
  /** Slots whose pod keeps dying, waiting out their crash-loop backoff. */
  readonly backoff?: readonly { readonly slot: number; readonly failures: number; readonly retryInMs: number }[];
}

export interface DaemonStatus {
  readonly owner: string;
  /**
   * `commitApplied`: every host was last seen converged to it. `commitConverging`: the commit
   * berth converges to while it waits for a host or the registry (not held: not its fault).
   */
  readonly source: { readonly identity: string; readonly ref?: string; readonly commitSeen?: string; readonly commitApplied?: string; readonly commitConverging?: string; readonly error?: string };
  readonly lastPass?: { readonly at: string; readonly trigger: string; readonly ms: number; readonly result: string };
  readonly services: readonly ServiceStatus[];
  readonly hosts: readonly { readonly name: string; readonly reachable: boolean; readonly state: string; readonly error?: string }[];
  /** Commits whose rollout failed: not retried until a newer commit arrives. */
  readonly held: readonly { readonly commit: string; readonly reason: string }[];
  /** Diagnostics of the newest commit when it does not validate (`file:line:col: error: …`). */
  readonly diagnostics: readonly string[];
  readonly jobs: readonly { readonly name: string; readonly schedule?: string; readonly lastRun?: { readonly at: string; readonly result: string; readonly reason?: string; readonly exitCode?: number; readonly output?: string } }[];
}

/**
 * Per-service status from a plan made after the last apply (what runs now).
 * A pod counts as ready when the engine says healthy (or running, without a
 * health check), or when it is still `starting` for the engine but passed
 * berth's own probe in the rollout (`verified` holds those pod ids).
 */
export function servicesFromPlan(plan: Plan, results: ReadonlyMap<string, { result: string; reason?: string; error?: { code: string; reaction: string } }>, verified: ReadonlySet<string> = new Set()): ServiceStatus[] {
  const isReady = (ref: PodRef) => ref.status === "healthy" || ref.status === "running" || (ref.status === "starting" && verified.has(ref.pod));
  return plan.services
    .filter((s) => s.kind === "service")
    .map((s) => {
      // A pod being replaced still serves until its replacement is ready: it counts.
      const kept = s.changes.flatMap((c) => (c.action === "keep" || c.action === "replace" ? [c.from] : []));
      const ready = kept.filter(isReady);
      const pending = s.changes.some((c) => c.action !== "keep" && c.action !== "unplaced" && c.action !== "unknown");
      const count = new Map<string, number>();
      for (const ref of kept) count.set(ref.commit, (count.get(ref.commit) ?? 0) + 1);
      const commit = [...count].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
      const r = results.get(s.name);
      return {
        name: s.name,
        ...(commit ? { commit } : {}),
        desired: s.replicas,
        ready: ready.length,
        hosts: [...new Set(kept.map((ref) => ref.host))].sort(),
        endpoints: ready.filter((ref) => ref.ports?.length).map((ref) => ({ host: ref.host, slot: ref.slot, ports: ref.ports! })).sort((a, b) => a.slot - b.slot),
        health: pending ? "progressing" : ready.length >= s.replicas ? "healthy" : ready.length === 0 ? "down" : "degraded",
        ...(r ? { lastResult: r.result, ...(r.reason ? { reason: r.reason } : {}), ...(r.error ? { error: r.error } : {}) } : {}),
      };
    });
}
