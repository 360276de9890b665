/**
 * The plan as Markdown for a pull-request comment: a hidden marker line
 * (`<!-- berth-plan -->`, so a workflow can update its comment), what the plan could not
 * see (incomplete, refused, warnings) as blockquotes on top, the closing
 * count, then each service and the jobs folded in `<details>`, with the
 * table of changes and the rollout's steps inside.
 *
 * A comment must stay readable and postable for any fleet (GitHub refuses
 * bodies over 65,536 characters), so past `maxChars` it degrades, and says
 * so: first the largest services lose their per-slot rows for counts per
 * action and host, then every service shrinks to one line, as many as fit.
 *
 * A plan with exposed services adds a traffic section after the services:
 * ports, the replicas every proxy routes to now, the rollout's route and
 * drain steps, and each host's proxy.
 *
 * Environment values are never printed; a secret is only named.
 */
import { countNoun } from "./count-noun.ts";
import { describePod, type PodLine } from "./describe-pod.ts";
import { BACKGROUND_STOP, describeTrack, stopsInBackground, waveTitle, type Words } from "./describe-steps.ts";
import { describeBackend, describeExpose, describeProxy, routeChanges, serviceSize, shortSha } from "./format-text.ts";
import { withPlanDefaults, type SavedPlan } from "./plan-defaults.ts";
import { hostsLine, incompleteNotice, refusedNotice, warningNotices } from "./plan-notices.ts";
import { strategies } from "./steps.ts";
import { countChanges, countJobs, describeCounts, describeJobCounts, summaryLine } from "./summary-line.ts";
import type { JobPlan, Plan, PlanAction, PlanChange, ProxyPlan, ServicePlan, Track, TrafficPlan } from "./types.ts";

export interface MarkdownOptions {
  /** The comment stays shorter than this many characters (default 60,000: GitHub refuses comments over 65,536). */
  readonly maxChars?: number;
  /** How the notice of a shortened comment names the saved plan (default `plan.json`). */
  readonly planFile?: string;
}

const VERB: Record<PlanAction, string> = {
  create: "➕ create",
  replace: "🔄 replace",
  resize: "📐 resize in place",
  recreate: "♻️ recreate",
  remove: "➖ remove",
  keep: "✔️ keep",
  unplaced: "⚠️ unplaced",
  unknown: "❔ unknown",
};
const JOB_VERB: Record<JobPlan["action"], string> = { create: "➕ create", update: "🔄 update", remove: "➖ remove", keep: "✔️ keep" };

/** How many hosts, warnings or reasons the head of a comment lists before it counts the rest. */
const LISTED = { hosts: 20, unobserved: 10, warnings: 20, reasons: 10, names: 20 } as const;
/** A single notice or host error is cut here, so no one string can push the comment over its limit. */
const CLIP = 500;

/** Plain words in Markdown: what would start emphasis, code, a link, a table cell or HTML is escaped. */
function text(s: string): string {
  return s
    .replace(/[\\`*[\]~|]/g, "\\$&")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/_/g, (m, at: number, all: string) => (/\w/.test(all[at - 1] ?? "") && /\w/.test(all[at + 1] ?? "") ? m : "\\_"));
}

/** A table cell: escaped, `|` included, and newlines as `<br>`. */
function cell(s: string): string {
  return text(s).replace(/\r?\n/g, "<br>");
}

/** A name or image as code. */
function code(s: string): string {
  const ticks = s.includes("`") ? "``" : "`";
  return `${ticks}${ticks.length > 1 ? " " : ""}${s}${ticks.length > 1 ? " " : ""}${ticks}`;
}

/** Text inside HTML (`<summary>`), where Markdown is not read. */
function html(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function clip(s: string): string {
  return s.length > CLIP ? `${s.slice(0, CLIP - 1)}…` : s;
}

const MD: Words = { name: code, text };

function podLine(l: PodLine): string {
  return `- ${text(l.label)} ${l.literal ? code(l.value) : text(l.value)}`;
}

/** A `<details>` block; GitHub reads Markdown inside it only after a blank line. */
function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

function serviceSummary(s: ServicePlan): string {
  const name = s.kind === "removed" ? `<b><s>${html(s.name)}</s></b> (deleted from git)` : `<b>${html(s.name)}</b> — ${html(serviceSize(s))}`;
  return `${name}: ${html(describeCounts(countChanges(s.changes)).join(", "))}`;
}

function serviceLine(s: ServicePlan): string {
  const name = s.kind === "removed" ? `**~~${text(s.name)}~~** (deleted from git)` : `**${text(s.name)}** — ${text(serviceSize(s))}`;
  return `- ${name}: ${describeCounts(countChanges(s.changes)).join(", ")}`;
}

function hostOf(c: PlanChange): string {
  if (c.action === "unplaced") return "—";
  if (c.action === "unknown") return c.host ?? "—";
  if ((c.action === "replace" || c.action === "recreate") && c.from.host !== c.host) return `${c.from.host} → ${c.host}`;
  return c.host;
}

/**
 * Why a slot changes, with the strategy a replacement really gets (from the
 * waves) and why when it differs from the service's order; `bare: false`
 * leaves out a strategy given without a reason.
 */
function why(c: PlanChange, tracks: ReadonlyMap<number, Track>, opts: { readonly bare?: boolean } = {}): string[] {
  switch (c.action) {
    case "replace": {
      const track = tracks.get(c.slot);
      const strategy = track?.strategy ?? c.order;
      const reason = track ? track.strategyReason : c.orderReason;
      return [...c.reasons, ...(reason ? [`${strategy} because ${reason}`] : opts.bare === false ? [] : [strategy])];
    }
    case "resize":
      return [...c.reasons, "no restart"];
    case "keep":
      return [c.from.status];
    case "unplaced":
      return [c.reason, ...(c.left ? [`pod ${c.left.pod} on ${c.left.host} is left running`] : [])];
    default:
      return [c.reason];
  }
}

function rolloutHead(s: ServicePlan): string {
  const r = s.rollout;
  return `**Rollout**${r ? ` (${r.order}, maxSurge ${r.maxSurge}, maxUnavailable ${r.maxUnavailable})` : ""}`;
}

function rolloutSteps(s: ServicePlan): string {
  const items = s.waves.map((w) => [`- ${waveTitle(w, MD)}`, ...w.tracks.map((t) => `  - ${describeTrack(t, MD)}`)].join("\n"));
  const background = stopsInBackground(s.waves) ? `; ${BACKGROUND_STOP}` : "";
  return `${rolloutHead(s)}, wave after wave; the tracks of a wave run at the same time (gate: wait until the new pod is ready)${background}:\n\n${items.join("\n")}`;
}

function fullService(s: ServicePlan): string {
  const tracks = strategies(s.waves);
  const rows = s.changes.filter((c) => c.action !== "keep").map((c) => `| ${c.slot} | ${cell(hostOf(c))} | ${VERB[c.action]} | ${cell(why(c, tracks).join("\n"))} |`);
  const parts = [["| slot | host | action | why |", "| ---: | --- | --- | --- |", ...rows].join("\n")];
  if (s.pod && s.changes.some((c) => c.action === "create")) parts.push(`Each new pod runs:\n\n${describePod(s.pod).map(podLine).join("\n")}`);
  if (s.waves.length) parts.push(rolloutSteps(s));
  return details(serviceSummary(s), parts.join("\n\n"));
}

/** `a (3 slots); b (1 slot); and 4 more reasons`: the distinct reasons, most common first. */
function countedReasons(reasons: readonly string[]): string {
  const n = new Map<string, number>();
  for (const r of reasons) n.set(r, (n.get(r) ?? 0) + 1);
  const sorted = [...n].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const shown = sorted.slice(0, LISTED.reasons).map(([r, k]) => `${clip(r)} (${countNoun(k, "slot")})`);
  const more = sorted.length - LISTED.reasons;
  return [...shown, ...(more > 0 ? [countNoun(more, "more reason")] : [])].join("; ");
}

/** `1 pull wave, 500 replace waves (400 slots start-first, 100 stop-first), 1 finish wave`. */
function countedWaves(s: ServicePlan): string {
  const kinds = new Map<string, { waves: number; strategies: Map<string, number> }>();
  for (const w of s.waves) {
    const k = kinds.get(w.kind) ?? { waves: 0, strategies: new Map<string, number>() };
    k.waves++;
    for (const t of w.tracks) if (t.strategy) k.strategies.set(t.strategy, (k.strategies.get(t.strategy) ?? 0) + 1);
    kinds.set(w.kind, k);
  }
  return [...kinds]
    .map(([kind, k]) => {
      const by = [...k.strategies].map(([strategy, n], i) => `${i === 0 ? countNoun(n, "slot") : n} ${strategy}`);
      return `${countNoun(k.waves, `${kind} wave`)}${by.length ? ` (${by.join(", ")})` : ""}`;
    })
    .join(", ");
}

function countedService(s: ServicePlan): string {
  const tracks = strategies(s.waves);
  const changes = s.changes.filter((c) => c.action !== "keep");
  const byRow = new Map<string, { host: string; action: PlanAction; n: number }>();
  for (const c of changes) {
    const key = `${hostOf(c)}\u0000${c.action}`;
    const row = byRow.get(key) ?? { host: hostOf(c), action: c.action, n: 0 };
    row.n++;
    byRow.set(key, row);
  }
  const rows = [...byRow.values()].sort((a, b) => a.host.localeCompare(b.host, "en", { numeric: true }) || a.action.localeCompare(b.action)).map((r) => `| ${cell(r.host)} | ${VERB[r.action]} | ${r.n} |`);
  const parts = [
    "Per-slot rows are left out to keep this comment short; here are the slots counted per host and action.",
    ["| host | action | slots |", "| --- | --- | ---: |", ...rows].join("\n"),
    `Why: ${text(countedReasons(changes.flatMap((c) => why(c, tracks, { bare: false }))))}`,
  ];
  if (s.waves.length) parts.push(`${rolloutHead(s)}: ${countedWaves(s)}.`);
  return details(serviceSummary(s), parts.join("\n\n"));
}

const ROUTE_MARK = { "+": "➕", "-": "➖" } as const;

/** `1 exposed service, 3 proxies (2 not in sync)`. */
function trafficSummary(traffic: TrafficPlan): string {
  const off = traffic.proxies.filter((p) => p.routes !== "in-sync").length;
  return `<b>Traffic</b>: ${countNoun(traffic.services.length, "exposed service")}, ${countNoun(traffic.proxies.length, "proxy", "proxies")}${off ? ` (${off} not in sync)` : ""}`;
}

/** The proxies by routes state, for a comment too long to list each: `1 in sync, 1 routes differ: pushed before the rollout`. */
function countedProxies(proxies: readonly ProxyPlan[]): string {
  const n = new Map<string, number>();
  for (const p of proxies) {
    const words = describeProxy({ host: p.host, routes: p.routes });
    n.set(words, (n.get(words) ?? 0) + 1);
  }
  const taken = proxies.filter((p) => p.portsTaken?.length).map((p) => p.host);
  const more = taken.length - LISTED.hosts;
  return [
    ...[...n].map(([words, k]) => `${k} ${text(words)}`),
    ...(taken.length ? [`ports taken on ${taken.slice(0, LISTED.hosts).map(code).join(", ")}${more > 0 ? `, and ${more} more` : ""}`] : []),
  ].join("; ");
}

function trafficSection(traffic: TrafficPlan, services: readonly ServicePlan[], counted: boolean): string {
  const parts = traffic.services.map((t) => {
    const svc = services.find((s) => s.name === t.service);
    const changes = svc ? routeChanges(svc, MD) : [];
    const head = `**${text(t.service)}**: ${describeExpose(t.expose, MD)} on every host`;
    if (counted) {
      const joins = changes.filter((c) => c.mark === "+").length;
      const leaves = changes.length - joins;
      const hosts = new Set(t.backends.map((b) => b.host)).size;
      return `${head}. Serving now: ${countNoun(t.backends.length, "pod")} on ${countNoun(hosts, "host")}. The rollout ${changes.length ? `routes ${countNoun(joins, "new pod")} and drains ${countNoun(leaves, "pod")}` : "changes no route"}.`;
    }
    const serving = t.backends.length ? t.backends.map((b) => `  - ${describeBackend(b, t.expose, MD)}`).join("\n") : "  - none";
    const rollout = changes.length ? changes.map((c) => `  - ${ROUTE_MARK[c.mark]} wave ${c.wave}: ${c.text}`).join("\n") : "  - none";
    return `${head}\n\n- serving now:\n${serving}\n- the rollout changes the routes:\n${rollout}`;
  });
  if (counted) parts.push(`**Proxies**: ${countedProxies(traffic.proxies)}.`);
  else parts.push(["| proxy on | pod | routes |", "| --- | --- | --- |", ...traffic.proxies.map((p) => `| ${code(p.host)} | ${p.pod ? code(p.pod) : "—"} | ${cell(describeProxy(p))} |`)].join("\n"));
  return details(trafficSummary(traffic), parts.join("\n\n"));
}

function trafficLine(traffic: TrafficPlan): string {
  return `- **Traffic**: ${countNoun(traffic.services.length, "exposed service")}; proxies: ${countedProxies(traffic.proxies)}`;
}

function jobSchedule(j: JobPlan): string {
  if (j.action === "remove") return "";
  if (!j.schedule) return "on demand";
  return `${code(j.schedule)}${j.timezone ? ` (${text(j.timezone)})` : ""}`;
}

function jobChanges(j: JobPlan): string {
  const pod = j.action === "create" && j.pod ? describePod(j.pod).map((l) => `${l.label} ${l.value}`) : [];
  return cell([...j.changes, ...pod].join("\n"));
}

function jobsSummary(jobs: readonly JobPlan[]): string {
  return `<b>Jobs</b>: ${html(describeJobCounts(countJobs(jobs), { unchanged: true, noun: false }).join(", "))}`;
}

function fullJobs(jobs: readonly JobPlan[]): string {
  const rows = jobs
    .filter((j) => j.action !== "keep")
    .map((j) => `| ${cell(j.name)} | ${JOB_VERB[j.action]} | ${jobChanges(j)} | ${jobSchedule(j)} | ${j.nextRuns.map(cell).join("<br>")} |`);
  return details(jobsSummary(jobs), ["| job | action | changes | schedule | next runs |", "| --- | --- | --- | --- | --- |", ...rows].join("\n"));
}

function countedJobs(jobs: readonly JobPlan[]): string {
  const rows = (["create", "update", "remove"] as const).flatMap((action) => {
    const names = jobs.filter((j) => j.action === action).map((j) => j.name);
    if (names.length === 0) return [];
    const more = names.length - LISTED.names;
    return [`| ${JOB_VERB[action]} | ${names.length} | ${cell(names.slice(0, LISTED.names).join(", "))}${more > 0 ? `, and ${more} more` : ""} |`];
  });
  return details(jobsSummary(jobs), ["Per-job rows are left out to keep this comment short.", ["| action | jobs | names |", "| --- | ---: | --- |", ...rows].join("\n")].join("\n\n"));
}

function jobsLine(jobs: readonly JobPlan[]): string {
  return `- **Jobs**: ${describeJobCounts(countJobs(jobs), { noun: false }).join(", ")}`;
}

function describeHosts(plan: Plan): string {
  return `Hosts: ${hostsLine(plan, { name: code, error: (e) => text(clip(e)) })}`;
}

/**
 * The comment's first line, hidden when rendered: a CI workflow finds its
 * earlier comment by it and edits that one in place instead of adding another.
 */
export const PLAN_COMMENT_MARKER = "<!-- berth-plan -->";

function head(plan: Plan): string {
  const out = [PLAN_COMMENT_MARKER, `### berth plan for ${code(shortSha(plan.commit))}`];
  const incomplete = incompleteNotice(plan, { maxListed: LISTED.unobserved });
  if (incomplete) out.push(`> ⚠️ **Incomplete:** ${text(clip(incomplete))}`);
  const refused = refusedNotice(plan);
  if (refused) out.push(`> ⚠️ **Refused:** ${text(clip(refused))}`);
  for (const w of warningNotices(plan, { maxListed: LISTED.warnings })) out.push(`> ⚠️ **Warning:** ${text(clip(w))}`);
  // The words of the line are berth's own (counts and fixed phrases), so they need no escaping.
  out.push(`${summaryLine(plan, { strong: (s) => `**${s}**` })}\n\n${describeHosts(plan)}`);
  return out.join("\n\n");
}

function tail(plan: Plan, unchanged: readonly ServicePlan[]): string {
  const out: string[] = [];
  if (unchanged.length) {
    const names = unchanged.slice(0, LISTED.names).map((s) => code(s.name));
    const more = unchanged.length - names.length;
    out.push(`${countNoun(unchanged.length, "service")} unchanged: ${names.join(", ")}${more > 0 ? `, and ${more} more` : ""}.`);
  }
  out.push(`<sub>owner ${code(plan.owner)}, made ${text(plan.createdAt)}</sub>`);
  return out.join("\n\n");
}

interface Section {
  /** The table of changes and the steps. */
  readonly full: string;
  /** Counts per action and host instead of a row per slot. */
  readonly counted: string;
  /** One list item. */
  readonly line: string;
}

function join(parts: readonly string[]): string {
  return parts.filter((p) => p.length > 0).join("\n\n") + "\n";
}

/**
 * @example
 * const body = formatPlanMarkdown(plan, { planFile: "plan.json" });
 * // "### berth plan for `8c09f93c1397`\n\n> ⚠️ **Incomplete:** …"
 */
export function formatPlanMarkdown(saved: Plan | SavedPlan, opts: MarkdownOptions = {}): string {
  const plan = withPlanDefaults(saved);
  const limit = opts.maxChars ?? 60_000;
  const changed = plan.services.filter((s) => s.changes.some((c) => c.action !== "keep"));
  const unchanged = plan.services.filter((s) => s.changes.every((c) => c.action === "keep"));
  const services: Section[] = changed.map((s) => ({ full: fullService(s), counted: countedService(s), line: serviceLine(s) }));
  const jobs: Section[] = plan.jobs.some((j) => j.action !== "keep") ? [{ full: fullJobs(plan.jobs), counted: countedJobs(plan.jobs), line: jobsLine(plan.jobs) }] : [];
  const traffic: Section[] = plan.traffic ? [{ full: trafficSection(plan.traffic, plan.services, false), counted: trafficSection(plan.traffic, plan.services, true), line: trafficLine(plan.traffic) }] : [];
  const sections = [...services, ...traffic, ...jobs];
  const top = head(plan);
  const bottom = tail(plan, unchanged);

  const full = join([top, ...sections.map((s) => s.full), bottom]);
  if (full.length < limit) return full;

  const notice = `> ℹ️ Showing a summary: the full plan is ${full.length.toLocaleString("en-US")} characters; run ${code(`berth show ${opts.planFile ?? "plan.json"}`)} for all of it.`;
  // Each part adds its length and a blank line; the comment ends in a newline.
  const size = (parts: readonly string[]) => parts.reduce((n, p) => n + p.length + 2, -1);
  const fixed = [top, notice, bottom];
  const chosen = sections.map((s) => s.full);
  let total = size([...fixed, ...chosen]);
  const largestFirst = sections.map((_, i) => i).sort((a, b) => sections[b]!.full.length - sections[a]!.full.length);
  for (const i of largestFirst) {
    if (total < limit) break;
    total -= sections[i]!.full.length - sections[i]!.counted.length;
    chosen[i] = sections[i]!.counted;
  }
  if (total < limit) return join([top, notice, ...chosen, bottom]);

  // One line per service, the jobs first, as many as fit; the rest counted.
  const lines = [...traffic, ...jobs, ...services].map((s) => s.line);
  const reserve = 200;
  let budget = limit - size(fixed) - "**Changes, one line each:**\n\n".length - 2 - reserve;
  const shown: string[] = [];
  for (const l of lines) {
    if (budget - l.length - 1 < 0) break;
    budget -= l.length + 1;
    shown.push(l);
  }
  const more = lines.length - shown.length;
  const list = [...shown, ...(more > 0 ? [`- … and ${countNoun(more, "more service")} with changes`] : [])].join("\n");
  return join([top, notice, `**Changes, one line each:**\n\n${list}`, bottom]);
}
