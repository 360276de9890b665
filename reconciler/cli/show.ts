/**
 * `berth show PLAN.json`: print a plan saved with `berth plan --out`, as
 * `berth plan` prints a fresh one. Exit 0 shown, 1 when the file is missing
 * or is not a berth plan.
 */
import { readSavedPlan } from "../plan/read-saved-plan.ts";
import { fail } from "./fail.ts";
import { renderPlan } from "./render-plan.ts";

const FORMATS = ["text", "markdown", "json"];

/**
 * @example
 * process.exitCode = runShow("plan.json", { format: "markdown" });
 */
export function runShow(file: string, opts: Record<string, unknown>): number {
  const format = opts["format"] ?? "text";
  if (typeof format !== "string" || !FORMATS.includes(format)) {
    return fail("show", { code: "unknown-format", message: `unknown format ${JSON.stringify(format)}; use text, markdown or json` }, opts);
  }
  const plan = readSavedPlan(file);
  if (typeof plan === "string") {
    return fail("show", { code: "plan-unreadable", message: plan }, opts);
  }
  process.stdout.write(renderPlan(plan, format, { planFile: file }));
  return 0;
}
