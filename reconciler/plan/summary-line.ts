/**
 * The counts a reader sees first and last: per service (`1 to create,
 * 2 unchanged`) and for the whole plan, the closing line in the manner of
 * `terraform plan`: `Plan: 1 to create, 3 to replace, 2 unchanged; 1 job to
 * update.` Only counts that are not zero are listed, besides unchanged;
 * proxies whose routes are pushed before the rollout are counted last.
 */
import { countNoun } from "./count-noun.ts";
import { unobservedHosts } from "./plan-notices.ts";
import type { JobPlan, Plan, PlanAction, PlanChange, PlanSummary } from "./types.ts";

export type ChangeCounts = Readonly<Record<PlanAction, number>>;

export function countChanges(changes: readonly PlanChange[]): ChangeCounts {
  const n: Record<PlanAction, number> = { create: 0, replace: 0, resize: 0, recreate: 0, remove: 0, keep: 0, unplaced: 0, unknown: 0 };
  for (const c of changes) n[c.action]++;
  return n;
}

/** In the order a reader weighs them: what changes, what stays, what berth cannot act on. */
const POD_WORDS: readonly [PlanAction, string][] = [
  ["create", "to create"],
  ["replace", "to replace"],
  ["resize", "to resize in place"],
  ["recreate", "to recreate"],
  ["remove", "to remove"],
  ["keep", "unchanged"],
  ["unplaced", "unplaced"],
  ["unknown", "unknown"],
];

export interface CountOptions {
  /** List the unchanged count even when it is 0. */
  readonly unchanged?: boolean;
  /** How a printer stresses the number of a change and a line's title (Markdown: bold); default as is. */
  readonly strong?: (s: string) => string;
}

const CHANGES: ReadonlySet<string> = new Set(["create", "replace", "resize", "recreate", "remove", "update"]);
const AS_IS = (s: string) => s;

/** `["1 to create", "2 unchanged"]`: the counts that are not zero. */
export function describeCounts(n: ChangeCounts, opts: CountOptions = {}): string[] {
  const strong = opts.strong ?? AS_IS;
  return POD_WORDS.filter(([a]) => n[a] > 0 || (a === "keep" && opts.unchanged)).map(([a, words]) => `${CHANGES.has(a) ? strong(String(n[a])) : n[a]} ${words}`);
}

const JOB_WORDS: readonly [JobPlan["action"], string][] = [
  ["create", "to create"],
  ["update", "to update"],
  ["remove", "to remove"],
  ["keep", "unchanged"],
];

/**
 * `["1 job to update", "2 jobs unchanged"]` (`["1 to update", "2 unchanged"]`
 * with `noun: false`, under a heading that says jobs); unchanged jobs only
 * when asked for, and only when there are some.
 */
export function describeJobCounts(n: PlanSummary["jobs"], opts: CountOptions & { readonly noun?: boolean } = {}): string[] {
  const strong = opts.strong ?? AS_IS;
  return JOB_WORDS.filter(([a]) => n[a] > 0 && (a !== "keep" || opts.unchanged)).map(([a, words]) => {
    const count = CHANGES.has(a) ? strong(String(n[a])) : String(n[a]);
    return `${opts.noun === false ? count : `${count} ${n[a] === 1 ? "job" : "jobs"}`} ${words}`;
  });
}

export function countJobs(jobs: readonly JobPlan[]): PlanSummary["jobs"] {
  const n = { create: 0, update: 0, remove: 0, keep: 0 };
  for (const j of jobs) n[j.action]++;
  return n;
}

/**
 * The plan's closing line. It never says "in sync" for a plan that could
 * not observe every host, or that is refused.
 * @example
 * summaryLine(plan) // "Plan: 1 to create, 1 to replace, 0 unchanged, 1 unknown; 1 job to update. Incomplete: 1 host not observed."
 * summaryLine(plan, { strong: (s) => `**${s}**` }) // "**Plan:** **1** to create, **1** to replace, 0 unchanged, …"
 */
export function summaryLine(plan: Plan, opts: Pick<CountOptions, "strong"> = {}): string {
  const strong = opts.strong ?? AS_IS;
  const n = plan.summary;
  // summary.inSync already means complete and not refused (for older saved plans, plan-defaults.ts makes it so).
  if (n.inSync) {
    const rest = [n.unplaced ? `${n.unplaced} unplaced` : "", n.jobs.keep ? `${countNoun(n.jobs.keep, "job")} unchanged` : ""].filter(Boolean);
    return `${strong("In sync:")} ${countNoun(n.keep, "pod")} unchanged${rest.map((r) => `, ${r}`).join("")}. Nothing to do.`;
  }
  const pods = describeCounts(n, { unchanged: true, strong });
  const jobs = describeJobCounts(n.jobs, { strong });
  // A proxy that routes something else is set right before the rollout, even when no pod changes.
  const stale = plan.traffic?.proxies.filter((p) => p.routes === "differs" || p.routes === "unreadable").length ?? 0;
  const proxies = stale ? `; routes to push to ${strong(String(stale))} ${stale === 1 ? "proxy" : "proxies"}` : "";
  const tail = [
    n.complete ? "" : ` ${strong("Incomplete:")} ${countNoun(unobservedHosts(plan).length, "host")} not observed.`,
    plan.refused ? ` ${strong("Refused:")} nothing will be applied.` : "",
  ].join("");
  return `${strong("Plan:")} ${pods.join(", ")}${jobs.length ? `; ${jobs.join(", ")}` : ""}${proxies}.${tail}`;
}
