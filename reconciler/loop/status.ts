/**
 * What the daemon serves at `/status` (and `berth status --json` prints):
 * plain JSON, rebuilt from the last pass.
 */
import type { Plan } from "../plan/types.ts";

export interface ServiceStatus {
  readonly name: string;
  /** The commit its running pods came from (the most common one). */
  readonly commit?: string;
  readonly desired: number;
  readonly ready: number;
  readonly hosts: readonly string[];
  /** `healthy` (all ready), `degraded` (some), `down` (none), `progressing` (changes pending). */
  readonly health: "healthy" | "degraded" | "down" | "progressing";
  readonly lastResult?: string;
  readonly reason?: string;
}

export interface DaemonStatus {
  readonly owner: string;
  readonly source: { readonly identity: string; readonly ref?: string; readonly commitSeen?: string; readonly commitApplied?: string; readonly error?: string };
  readonly lastPass?: { readonly at: string; readonly trigger: string; readonly ms: number; readonly result: string };
  readonly services: readonly ServiceStatus[];
  readonly hosts: readonly { readonly name: string; readonly reachable: boolean; readonly state: string; readonly error?: string }[];
  /** Commits whose rollout failed: not retried until a newer commit arrives. */
  readonly held: readonly { readonly commit: string; readonly reason: string }[];
  /** Diagnostics of the newest commit when it does not validate (`file:line:col: error: …`). */
  readonly diagnostics: readonly string[];
  readonly jobs: readonly { readonly name: string; readonly schedule?: string; readonly lastRun?: { readonly at: string; readonly result: string; readonly exitCode?: number; readonly output?: string } }[];
}

/** Per-service status from a plan made after the last apply (what runs now). */
export function servicesFromPlan(plan: Plan, results: ReadonlyMap<string, { result: string; reason?: string }>): ServiceStatus[] {
  return plan.services
    .filter((s) => s.kind === "service")
    .map((s) => {
      const kept = s.changes.filter((c) => c.action === "keep");
      const ready = kept.filter((c) => c.action === "keep" && (c.from.status === "healthy" || c.from.status === "running")).length;
      const pending = s.changes.some((c) => c.action !== "keep" && c.action !== "unplaced");
      const commits = kept.map((c) => (c.action === "keep" ? c.from.commit : ""));
      const commit = commits.sort((a, b) => commits.filter((x) => x === b).length - commits.filter((x) => x === a).length)[0];
      const r = results.get(s.name);
      return {
        name: s.name,
        ...(commit ? { commit } : {}),
        desired: s.replicas,
        ready,
        hosts: [...new Set(kept.map((c) => (c.action === "keep" ? c.host : "")))].sort(),
        health: pending ? "progressing" : ready >= s.replicas ? "healthy" : ready === 0 ? "down" : "degraded",
        ...(r ? { lastResult: r.result, ...(r.reason ? { reason: r.reason } : {}) } : {}),
      };
    });
}
