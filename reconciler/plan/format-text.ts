/**
 * The plan as text for a terminal or a CI log: grouped by service, then
 * host, with `+` create, `~` replace, `!` recreate, `-` remove, `=` keep and
 * `?` unplaced, the reasons under each line, and the rollout waves.
 */
import { styleText } from "node:util";
import type { Plan, PlanChange, ServicePlan } from "./types.ts";

export interface TextOptions {
  /** Colour the marks (a terminal, and NO_COLOR unset). */
  readonly color?: boolean;
  /** Also list pods that are kept (default true). */
  readonly showKeep?: boolean;
}

const MARK: Record<PlanChange["action"], string> = { create: "+", replace: "~", recreate: "!", remove: "-", keep: "=", unplaced: "?" };
const COLOUR: Record<PlanChange["action"], Parameters<typeof styleText>[0]> = {
  create: "green",
  replace: "yellow",
  recreate: "yellow",
  remove: "red",
  keep: "gray",
  unplaced: "magenta",
};

export function shortSha(sha: string): string {
  return /^[0-9a-f]{40}$/.test(sha) ? sha.slice(0, 12) : sha;
}

function describe(c: PlanChange): { head: string; details: string[] } {
  switch (c.action) {
    case "create":
      return { head: `slot ${c.slot}: create (${c.reason})`, details: [] };
    case "replace":
      return {
        head: `slot ${c.slot}: replace pod ${c.from.pod} (${c.from.status}${c.from.host !== c.host ? ` on ${c.from.host}` : ""}), ${c.order}`,
        details: [...c.reasons, ...(c.orderReason ? [`stop-first because ${c.orderReason}`] : [])],
      };
    case "recreate":
      return { head: `slot ${c.slot}: recreate pod ${c.from.pod} (${c.reason})`, details: [] };
    case "remove":
      return { head: `slot ${c.slot}: remove pod ${c.from.pod} (${c.reason})`, details: [] };
    case "keep":
      return { head: `slot ${c.slot}: keep pod ${c.from.pod} (${c.from.status})`, details: [] };
    case "unplaced":
      return { head: `slot ${c.slot}: cannot be placed`, details: [c.reason, ...(c.left ? [`pod ${c.left.pod} on ${c.left.host} is left running`] : [])] };
  }
}

function hostOf(c: PlanChange): string {
  return c.action === "unplaced" ? "(no host)" : c.host;
}

function serviceHeader(s: ServicePlan): string {
  if (s.kind === "removed") return `service ${s.name}: deleted from git, its pods are pruned`;
  const r = s.rollout;
  const containers = s.pod?.containers.map((c) => c.name).join(", ");
  return `service ${s.name}: ${s.replicas} replica${s.replicas === 1 ? "" : "s"}, spec ${s.pod?.specHash}, containers ${containers}` + (r ? `; rollout ${r.order}, surge ${r.maxSurge}, unavailable ${r.maxUnavailable}` : "");
}

export function formatPlanText(plan: Plan, opts: TextOptions = {}): string {
  const paint = (style: Parameters<typeof styleText>[0], text: string) => (opts.color ? styleText(style, text) : text);
  const showKeep = opts.showKeep ?? true;
  const lines: string[] = [];
  lines.push(`Plan for commit ${shortSha(plan.commit)} (owner ${plan.owner}), made ${plan.createdAt}`);
  lines.push(`Hosts: ${plan.hosts.map((h) => `${h.name} ${h.state}${h.error ? ` (${h.error})` : ""}`).join(", ") || "none"}`);
  for (const s of plan.services) {
    lines.push("", paint("bold", serviceHeader(s)));
    const byHost = new Map<string, PlanChange[]>();
    for (const c of s.changes) {
      if (c.action === "keep" && !showKeep) continue;
      byHost.set(hostOf(c), [...(byHost.get(hostOf(c)) ?? []), c]);
    }
    for (const [host, changes] of [...byHost].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`  ${host}`);
      for (const c of changes) {
        const { head, details } = describe(c);
        lines.push(`    ${paint(COLOUR[c.action], MARK[c.action])} ${head}`);
        for (const d of details) lines.push(`        ${d}`);
      }
    }
    if (s.waves.length > 0) lines.push(`  waves: ${s.waves.map((w) => `${w.index}) ${w.summary}`).join("  ")}`);
  }
  const n = plan.summary;
  lines.push(
    "",
    n.inSync
      ? `In sync: ${n.keep} pod${n.keep === 1 ? "" : "s"} unchanged${n.unplaced ? `, ${n.unplaced} unplaced` : ""}. Nothing to do.`
      : `Plan: ${n.create} to create, ${n.replace} to replace, ${n.recreate} to recreate, ${n.remove} to remove, ${n.keep} unchanged, ${n.unplaced} unplaced.`,
  );
  return lines.join("\n") + "\n";
}
