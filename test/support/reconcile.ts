/**
 * Runs berth's pipeline in-process against the bed, as `berth plan` and
 * `berth apply` do, so tests can look at the plan and the result.
 */
import { loadFleet } from "../../reconciler/load/load-fleet.ts";
import { readRepoDir } from "../../reconciler/load/read-dir.ts";
import { formatDiagnostic } from "../../reconciler/load/diagnostic.ts";
import { connectHosts } from "../../reconciler/pipeline/connect-hosts.ts";
import { planFleet } from "../../reconciler/pipeline/plan-fleet.ts";
import { applyPlan } from "../../reconciler/rollout/apply-plan.ts";
import type { RolloutEvent, ApplyResult } from "../../reconciler/rollout/events.ts";
import { liveApplyDeps } from "../../reconciler/rollout/live-deps.ts";
import type { Plan } from "../../reconciler/plan/types.ts";
import { TEST_OPERATOR } from "./operator.ts";

export async function planDir(dir: string, owner: string): Promise<{ plan: Plan; connected: ReturnType<typeof connectHosts> }> {
  const result = loadFleet(await readRepoDir(dir));
  if (!result.ok) throw new Error(`test fleet does not validate:\n${result.diagnostics.map((d) => formatDiagnostic(d)).join("\n")}`);
  const connected = connectHosts(result.fleet.hosts);
  const { plan } = await planFleet({ fleet: result.fleet, connected, owner, commit: "test", now: Date.now(), seed: 1 });
  return { plan, connected };
}

export async function applyDir(dir: string, owner: string): Promise<{ plan: Plan; result: ApplyResult; events: RolloutEvent[] }> {
  const { plan, connected } = await planDir(dir, owner);
  const events: RolloutEvent[] = [];
  const result = await applyPlan(plan, liveApplyDeps(connected.hosts, TEST_OPERATOR.config.secrets, { onEvent: (e) => events.push(e), drainDelayMs: TEST_OPERATOR.config.traffic.drainDelayMs }));
  return { plan, result, events };
}
