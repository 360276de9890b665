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
import { jsonProgress, lineProgress, terminalProgress, type Progress } from "./progress.ts";

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

/** Reads a plan saved by `berth plan --out`, or says why it cannot. */
function readSavedPlan(file: string): Plan | string {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    return `cannot read the saved plan ${file}: ${err instanceof Error ? err.message : String(err)}`;
  }
  const p = data as Partial<Plan>;
  if (p?.apiVersion !== "berth/v1" || p.kind !== "Plan" || !Array.isArray(p.services) || !Array.isArray(p.hosts)) {
    return `${file} is not a berth plan (expected apiVersion berth/v1, kind Plan, as \`berth plan --out\` writes it)`;
  }
  return data as Plan;
}

export async function runApply(dir: string | undefined, opts: Record<string, unknown>): Promise<number> {
  const desired = await loadDesired(dir, opts, "apply");
  if (!desired) return 1;
  const connected = connectHosts(desired.fleet.hosts);
  const { plan: fresh } = await planFleet({ ...desired, connected, now: Date.now(), seed: seedFor(desired.owner) });
  let plan = fresh;
  const json = Boolean(opts["json"]);
  if (typeof opts["plan"] === "string") {
    const saved = readSavedPlan(opts["plan"]);
    if (typeof saved === "string") {
      process.stderr.write(`berth apply: ${saved}\n`);
      return 1;
    }
    const stale = stalePlanReason(saved, fresh);
    if (stale) {
      process.stderr.write(`berth apply: refusing the saved plan ${opts["plan"]}: ${stale}. Make a new one with \`berth plan --out FILE\`.\n`);
      return 1;
    }
    plan = saved;
  } else if (!json) {
    process.stdout.write(renderPlan(plan, "text"));
  }
  if (plan.summary.inSync) {
    const ok = plan.summary.unplaced === 0 && !plan.hosts.some((h) => h.state === "unreachable");
    if (json) process.stdout.write(`${JSON.stringify({ type: "result", ok, inSync: true, services: [], failedHosts: plan.hosts.filter((h) => h.state === "unreachable").map((h) => ({ host: h.name, reason: h.error ?? "unreachable" })), ms: 0 })}\n`);
    else process.stdout.write("berth apply: the fleet is in sync with the source; nothing to do.\n");
    return ok ? 0 : 1;
  }
  const progress: Progress = json
    ? jsonProgress(process.stdout)
    : process.stdout.isTTY && process.env.CI === undefined
      ? terminalProgress(process.stdout, useColor(process.stdout))
      : lineProgress(process.stdout);
  const result = await applyPlan(plan, liveApplyDeps(connected.hosts, (e) => progress.event(e)));
  if (json) {
    process.stdout.write(`${JSON.stringify({ type: "result", ...result })}\n`);
    return result.ok ? 0 : 1;
  }
  for (const s of result.services) process.stdout.write(`${s.service}: ${s.result}${s.reason ? ` — ${s.reason}` : ""}\n`);
  for (const h of result.failedHosts) process.stdout.write(`host ${h.host}: not reconciled — ${h.reason}\n`);
  process.stdout.write(result.ok ? `berth apply: converged in ${(result.ms / 1000).toFixed(1)} s\n` : "berth apply: failed; see above\n");
  return result.ok ? 0 : 1;
}
