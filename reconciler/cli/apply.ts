/**
 * `berth apply`: carry out a fresh plan, or a saved one when the fleet and
 * the commit are still what it was made from. Exit 0 only when converged.
 */
import { readFileSync } from "node:fs";
import type { Plan } from "../plan/types.ts";
import { applyPlan } from "../rollout/apply-plan.ts";
import { liveApplyDeps } from "../rollout/live-deps.ts";
import { connectHosts } from "../pipeline/connect-hosts.ts";
import { planFleet } from "../pipeline/plan-fleet.ts";
import { loadDesired, seedFor } from "./desired-state.ts";
import { renderPlan, useColor } from "./plan.ts";
import { lineProgress, terminalProgress } from "./progress.ts";

/** Why a saved plan no longer applies, or undefined when it still does. */
export function stalePlanReason(saved: Plan, fresh: Plan): string | undefined {
  if (saved.owner !== fresh.owner) return `it was made for source ${saved.owner}, not ${fresh.owner}`;
  if (saved.commit !== fresh.commit) return `it was made from commit ${saved.commit}, and the source is now at ${fresh.commit}`;
  const now = new Map(fresh.hosts.map((h) => [h.name, h]));
  for (const h of saved.hosts) {
    const cur = now.get(h.name);
    if (!cur) return `host ${h.name} is no longer in the fleet`;
    if (cur.digest !== h.digest) return `host ${h.name} changed since the plan was made (observed ${h.digest ?? "nothing"}, now ${cur.digest ?? "unreachable"})`;
  }
  return undefined;
}


export async function runApply(dir: string | undefined, opts: Record<string, unknown>): Promise<number> {
  const desired = await loadDesired(dir, opts, "apply");
  if (!desired) return 1;
  const connected = connectHosts(desired.fleet.hosts);
  const { plan: fresh } = await planFleet({ ...desired, connected, now: Date.now(), seed: seedFor(desired.owner) });
  let plan = fresh;
  if (typeof opts["plan"] === "string") {
    const saved = JSON.parse(readFileSync(opts["plan"], "utf8")) as Plan;
    const stale = stalePlanReason(saved, fresh);
    if (stale) {
      process.stderr.write(`berth apply: refusing the saved plan ${opts["plan"]}: ${stale}. Make a new one with \`berth plan --out FILE\`.\n`);
      return 1;
    }
    plan = saved;
  } else {
    process.stdout.write(renderPlan(plan, "text"));
  }
  if (plan.summary.inSync) {
    process.stdout.write("berth apply: the fleet is in sync with the source; nothing to do.\n");
    return plan.summary.unplaced > 0 || plan.hosts.some((h) => h.state === "unreachable") ? 1 : 0;
  }
  const progress = process.stdout.isTTY && process.env.CI === undefined ? terminalProgress(process.stdout, useColor(process.stdout)) : lineProgress(process.stdout);
  const result = await applyPlan(plan, liveApplyDeps(connected.hosts, (e) => progress.event(e)));
  for (const s of result.services) process.stdout.write(`${s.service}: ${s.result}${s.reason ? ` — ${s.reason}` : ""}\n`);
  for (const h of result.failedHosts) process.stdout.write(`host ${h.host}: not reconciled — ${h.reason}\n`);
  process.stdout.write(result.ok ? `berth apply: converged in ${(result.ms / 1000).toFixed(1)} s\n` : "berth apply: failed; see above\n");
  return result.ok ? 0 : 1;
}
