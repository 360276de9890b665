/**
 * `healthcheck` → berth `health`. A `CMD` test runs as an exec probe as
 * written; `CMD-SHELL` (and a test written as one string) runs through
 * `sh -c`, as the engine runs it. Timings carry over; with no test, the
 * image's own HEALTHCHECK is used with the timings given (what Compose
 * does too).
 */
import type { ServiceDraft } from "./draft.ts";
import { boolean, duration, integer } from "./units.ts";

export function mapHealth(d: ServiceDraft): void {
  const raw = d.service["healthcheck"];
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return;
  const h = raw as Record<string, unknown>;
  const health: Record<string, unknown> = {};
  const test = h["test"];
  if (boolean(h["disable"]) === true || (Array.isArray(test) && test[0] === "NONE")) {
    d.warn(["healthcheck"], "berth cannot turn the image's HEALTHCHECK off: without a health check it uses the image's own (or \"running\" when the image has none)");
    return;
  }
  if (typeof test === "string" && test.trim() !== "") health["exec"] = { command: ["sh", "-c", test] };
  else if (Array.isArray(test) && test.length > 1 && (test[0] === "CMD" || test[0] === "CMD-SHELL")) {
    const rest = test.slice(1).map(String);
    health["exec"] = { command: test[0] === "CMD" ? rest : ["sh", "-c", rest.join(" ")] };
  } else if (test !== undefined) {
    d.refuse(["healthcheck", "test"], `a healthcheck test is ["CMD", ...], ["CMD-SHELL", "command"], ["NONE"] or a command string; got ${JSON.stringify(test)}`, "compose-health");
    return;
  } else health["image"] = true;
  for (const [key, field] of [["interval", "interval"], ["timeout", "timeout"], ["start_period", "startPeriod"]] as const) {
    if (h[key] === undefined) continue;
    const v = duration(h[key]);
    if (v === undefined) d.warn(["healthcheck", key], `${JSON.stringify(h[key])} is not a duration such as 10s or 1m30s: dropped, berth's default applies`);
    else health[field] = v;
  }
  if (h["retries"] !== undefined) {
    const n = integer(h["retries"]);
    if (n === undefined || n < 1 || n > 100) d.warn(["healthcheck", "retries"], `retries ${JSON.stringify(h["retries"])} is not a whole number from 1 to 100: dropped, berth's default (3) applies`);
    else health["retries"] = n;
  }
  if (h["start_interval"] !== undefined) d.warn(["healthcheck", "start_interval"], "berth checks at one interval throughout: start_interval is dropped");
  d.spec["health"] = health;
}
