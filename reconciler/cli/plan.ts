/**
 * `berth plan`: observe the hosts and print what an apply would do.
 * Exit 0 ok, 1 error; with --detailed-exitcode 0 in sync, 2 changes pending.
 */
import { writeFileSync } from "node:fs";
import { formatPlanMarkdown } from "../plan/format-markdown.ts";
import { formatPlanText } from "../plan/format-text.ts";
import type { Plan } from "../plan/types.ts";
import { connectHosts } from "../pipeline/connect-hosts.ts";
import { planFleet } from "../pipeline/plan-fleet.ts";
import { loadDesired, seedFor } from "./desired-state.ts";

export function useColor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb";
}

export function renderPlan(plan: Plan, format: unknown): string {
  if (format === "json") return `${JSON.stringify(plan, null, 2)}\n`;
  if (format === "markdown") return formatPlanMarkdown(plan);
  return formatPlanText(plan, { color: useColor(process.stdout) });
}

export async function runPlan(dir: string | undefined, opts: Record<string, unknown>): Promise<number> {
  const desired = await loadDesired(dir, opts, "plan");
  if (!desired) return 1;
  const connected = connectHosts(desired.fleet.hosts);
  const { plan } = await planFleet({ ...desired, connected, now: Date.now(), seed: seedFor(desired.owner) });
  process.stdout.write(renderPlan(plan, opts["format"]));
  if (typeof opts["out"] === "string") {
    writeFileSync(opts["out"], `${JSON.stringify(plan, null, 2)}\n`);
    process.stderr.write(`berth plan: saved to ${opts["out"]}; apply it with \`berth apply --plan ${opts["out"]}\`\n`);
  }
  if (opts["detailedExitcode"]) return plan.summary.inSync ? 0 : 2;
  return 0;
}
