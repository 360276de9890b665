/**
 * Reading a plan saved by `berth plan --out`, for `berth show` and
 * `berth apply --plan`. Only the envelope is checked (apiVersion, kind, the
 * services and hosts lists): a plan saved by an older berth lacks fields
 * added since, which the printers fill in (plan-defaults.ts).
 */
import { readFileSync } from "node:fs";
import type { Plan } from "./types.ts";

/**
 * The saved plan, or why it cannot be read, as a sentence that names the file.
 * @example
 * const saved = readSavedPlan("plan.json");
 * if (typeof saved === "string") process.stderr.write(`berth show: ${saved}\n`);
 */
export function readSavedPlan(file: string): Plan | string {
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
