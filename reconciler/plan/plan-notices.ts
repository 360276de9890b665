/**
 * What a reviewer must read before the changes: that the plan is
 * incomplete (a host was not observed), that it is refused, and its
 * warnings. Each is a sentence without its title (`Incomplete:`,
 * `Refused:`, `Warning:`), which each printer styles its own way.
 */
import { countNoun } from "./count-noun.ts";
import type { Plan, PlanHost } from "./types.ts";

/**
 * One host for the hosts line, e.g. `h3 left git (unreachable: …; pods may remain there)`.
 * `name` and `error` style the parts (code spans and escaping in markdown);
 * an error the incomplete notice already explains is not repeated.
 */
export function describeHost(h: PlanHost, explained: ReadonlySet<string>, style: { name?: (n: string) => string; error?: (e: string) => string } = {}): string {
  const name = style.name ? style.name(h.name) : h.name;
  const error = h.error && !explained.has(h.name) ? (style.error ? style.error(h.error) : h.error) : undefined;
  if (h.leftGit) return `${name} left git (${h.state}${error ? `: ${error}` : ""}; ${h.state === "unreachable" ? "pods may remain there" : "its pods are removed"})`;
  return `${name} ${h.state}${error ? ` (${error})` : ""}`;
}

/** More hosts than this and the hosts line counts them per state rather than naming each one. */
export const HOSTS_LISTED = 20;

/**
 * The hosts line without its title. A few hosts are each named with their
 * state; a fleet is counted per state, naming (up to HOSTS_LISTED of) the
 * hosts that are not simply ready, so 10,000 hosts stay one readable line:
 * `9,998 ready; 2 unreachable: h0042 (connection refused), h4711 (timed out)`.
 * `style` is describeHost's.
 */
export function hostsLine(plan: Plan, style: Parameters<typeof describeHost>[2] = {}): string {
  const explained = new Set(unobservedHosts(plan).map((u) => u.host));
  if (plan.hosts.length <= HOSTS_LISTED) return plan.hosts.map((h) => describeHost(h, explained, style)).join(", ") || "none";
  const groups = new Map<string, PlanHost[]>();
  for (const h of plan.hosts) {
    const key = h.leftGit ? "left git" : h.state;
    groups.set(key, [...(groups.get(key) ?? []), h]);
  }
  let room = HOSTS_LISTED;
  const parts = [...groups].map(([key, hosts]) => {
    const count = `${hosts.length.toLocaleString("en-US")} ${key}`;
    if (key === "ready") return count;
    const named = hosts.slice(0, Math.max(room, 0)).map((h) => {
      // The group says the state; a host that left git still says what becomes of its pods.
      const text = describeHost(h, explained, style);
      return h.leftGit ? text.replace(/ left git \(/, " (") : text.replace(` ${h.state}`, "");
    });
    room -= named.length;
    const more = hosts.length - named.length;
    return `${count}: ${named.join(", ") || "…"}${more > 0 ? `, and ${more.toLocaleString("en-US")} more` : ""}`;
  });
  return parts.join("; ");
}

export interface NoticeOptions {
  /** List at most this many hosts or warnings, then say how many more (default: all). */
  readonly maxListed?: number;
}

function capped<T>(items: readonly T[], max: number | undefined): { shown: readonly T[]; more: number } {
  const shown = max === undefined ? items : items.slice(0, max);
  return { shown, more: items.length - shown.length };
}

/**
 * The hosts in git that were not observed, with why. A plan that says it is
 * incomplete without naming them names its unreachable hosts instead.
 */
export function unobservedHosts(plan: Plan): readonly { readonly host: string; readonly reason: string }[] {
  if (plan.summary.unobserved.length > 0 || plan.summary.complete) return plan.summary.unobserved;
  return plan.hosts.filter((h) => h.state === "unreachable" && !h.leftGit).map((h) => ({ host: h.name, reason: h.error ?? "unreachable" }));
}

/**
 * @example
 * incompleteNotice(plan)
 * // "1 of 3 hosts not observed (h3: host \"h3\" at tcp://127.0.0.3:2375 cannot be reached: connect ECONNREFUSED). Slots that may run there are unknown; nothing is done for them."
 */
export function incompleteNotice(plan: Plan, opts: NoticeOptions = {}): string | undefined {
  const missing = unobservedHosts(plan);
  if (plan.summary.complete && missing.length === 0) return undefined;
  const inGit = plan.hosts.filter((h) => !h.leftGit).length;
  const { shown, more } = capped(missing, opts.maxListed);
  const list = [...shown.map((u) => `${u.host}: ${u.reason}`), ...(more ? [`${more} more`] : [])].join("; ");
  return `${missing.length} of ${countNoun(inGit, "host")} not observed${list ? ` (${list})` : ""}. Slots that may run there are unknown; nothing is done for them.`;
}

/** @example refusedNotice(plan) // "the commit would remove every pod this owner runs. Nothing will be applied (berth apply changes nothing and exits 1)." */
export function refusedNotice(plan: Plan): string | undefined {
  if (!plan.refused) return undefined;
  return `${plan.refused.message.replace(/\.\s*$/, "")}. Nothing will be applied (berth apply changes nothing and exits 1).`;
}

export function warningNotices(plan: Plan, opts: NoticeOptions = {}): string[] {
  const { shown, more } = capped(plan.warnings, opts.maxListed);
  return [...shown, ...(more ? [`${countNoun(more, "more warning")}; run berth show for all of them`] : [])];
}
