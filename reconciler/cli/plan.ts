/**
 * `berth plan`: observe the hosts and print what an apply would do.
 * Exit 0 ok, 1 error; with --detailed-exitcode 0 in sync, 2 changes pending,
 * 1 also when the plan is incomplete (a host in git was not observed) or
 * refused, as terraform exits 1 when a provider fails.
 */
import { writeFileSync } from "node:fs";
import type { Plan } from "../plan/types.ts";
import { planFromRecord } from "../pipeline/plan-from-record.ts";
import { loadDesired, seedFor } from "./desired-state.ts";
import { renderPlan } from "./render-plan.ts";
import { fail } from "./fail.ts";
import { openForReading } from "./shared-state.ts";

export async function runPlan(dir: string | undefined, opts: Record<string, unknown>): Promise<number> {
  const desired = await loadDesired(dir, opts, "plan");
  if (!desired) return 1;
  const warn = (m: string) => process.stderr.write(`berth plan: ${m}\n`);
  let shared: ReturnType<typeof openForReading>;
  try {
    shared = openForReading(opts, desired.owner);
  } catch (err) {
    return fail("plan", { code: "state-unavailable", message: (err as Error).message }, opts);
  }
  const { plan } = await planFromRecord({ ...desired, store: shared.store, now: Date.now(), seed: seedFor(desired.owner), warn }).finally(() => shared.close());
  // Saved before it is printed: a plan that could not be saved is an error, and stdout then holds only that.
  if (typeof opts["out"] === "string") {
    try {
      writeFileSync(opts["out"], `${JSON.stringify(plan)}\n`);
    } catch (err) {
      return fail("plan", { code: "plan-not-saved", message: `cannot save the plan to ${opts["out"]}: ${(err as Error).message}` }, opts);
    }
  }
  process.stdout.write(renderPlan(plan, opts["format"], typeof opts["out"] === "string" ? { planFile: opts["out"] } : {}));
  if (typeof opts["out"] === "string") process.stderr.write(`berth plan: saved to ${opts["out"]}; apply it with \`berth apply --plan ${opts["out"]}\`\n`);
  if (opts["detailedExitcode"]) return detailedExitCode(plan);
  return 0;
}

/** 0 in sync, 2 changes pending, 1 when the plan cannot promise either (incomplete or refused). */
export function detailedExitCode(plan: Plan): 0 | 1 | 2 {
  if (plan.summary.complete === false || plan.refused) return 1;
  return plan.summary.inSync ? 0 : 2;
}
