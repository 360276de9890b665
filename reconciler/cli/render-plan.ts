/**
 * A plan printed the way the user asked: text (coloured on a terminal),
 * markdown for a pull-request comment, or JSON. Shared by `berth plan`,
 * `berth apply` and `berth show`, and kept apart from planning so `show`
 * loads nothing it does not print.
 */
import { formatPlanMarkdown } from "../plan/format-markdown.ts";
import { formatPlanText } from "../plan/format-text.ts";
import type { Plan } from "../plan/types.ts";
import { useColor } from "./use-color.ts";

/** `planFile` names the saved plan in markdown that had to be summarised. */
export function renderPlan(plan: Plan, format: unknown, opts: { planFile?: string } = {}): string {
  // One line: the hosts of a 10,000-host plan take 568 kB so, 908 kB indented; machines (and jq) read it either way.
  if (format === "json") return `${JSON.stringify(plan)}\n`;
  if (format === "markdown") return formatPlanMarkdown(plan, opts.planFile ? { planFile: opts.planFile } : {});
  return formatPlanText(plan, { color: useColor(process.stdout) });
}
