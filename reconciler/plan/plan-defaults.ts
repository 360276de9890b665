/**
 * A plan saved by an older berth lacks the fields added since (a plan's
 * fields are only ever added). The printers read every plan through
 * `withPlanDefaults`, so `berth show` can still print one: no jobs, no
 * warnings, waves without tracks, and complete.
 */
import { countJobs } from "./summary-line.ts";
import type { Plan, PlanSummary, ServicePlan, Wave } from "./types.ts";

type Optional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

/** A plan as any berth may have saved it. */
export type SavedPlan = Omit<Optional<Plan, "jobs" | "warnings">, "services" | "summary"> & {
  readonly services: readonly (Omit<ServicePlan, "waves"> & { readonly waves: readonly Optional<Wave, "kind" | "tracks">[] })[];
  readonly summary: Optional<PlanSummary, "unknown" | "resize" | "jobs" | "complete" | "unobserved">;
};

/**
 * Older waves (plan/waves.ts) had only a summary, starting with what they
 * did: `recreate …, create …`, `replace …` or `remove …`.
 */
function olderWaveKind(summary: string): Wave["kind"] {
  if (summary.startsWith("replace")) return "replace";
  if (summary.startsWith("remove")) return "remove";
  return "repair";
}

/**
 * The plan with every field present.
 * @example
 * const plan = withPlanDefaults(JSON.parse(readFileSync("old-plan.json", "utf8")));
 * plan.jobs; // [] when the plan was saved before jobs were planned
 */
export function withPlanDefaults(plan: SavedPlan): Plan {
  const jobs = plan.jobs ?? [];
  const s = plan.summary;
  // Older plans said nothing of completeness: judged from their hosts, never assumed.
  const complete = s.complete ?? !plan.hosts.some((h) => h.state === "unreachable");
  return {
    ...plan,
    jobs,
    warnings: plan.warnings ?? [],
    services: plan.services.map((svc) => ({
      ...svc,
      waves: svc.waves.map((w) => ({ ...w, kind: w.kind ?? olderWaveKind(w.summary), tracks: w.tracks ?? [] })),
    })),
    summary: {
      ...s,
      unknown: s.unknown ?? 0,
      resize: s.resize ?? 0,
      jobs: s.jobs ?? countJobs(jobs),
      complete,
      unobserved: s.unobserved ?? [],
      // Older plans' inSync did not know of completeness or refusals; today's includes both.
      inSync: s.inSync && complete && !plan.refused,
    },
  };
}
