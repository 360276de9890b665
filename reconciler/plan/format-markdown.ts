/**
 * The plan as Markdown for a pull-request comment: a summary line, one table
 * per service, reasons inline. Secrets never appear: the plan holds only
 * references, and env values are never printed.
 */
import type { Plan, PlanChange } from "./types.ts";
import { shortSha } from "./format-text.ts";

const VERB: Record<PlanChange["action"], string> = {
  create: "➕ create",
  replace: "🔄 replace",
  recreate: "♻️ recreate",
  remove: "➖ remove",
  keep: "✔️ keep",
  unplaced: "⚠️ unplaced",
};

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, "<br>");
}

function why(c: PlanChange): string {
  switch (c.action) {
    case "create":
    case "recreate":
    case "remove":
      return c.reason;
    case "replace":
      return [...c.reasons, c.order + (c.orderReason ? ` (${c.orderReason})` : "")].join("; ");
    case "keep":
      return c.from.status;
    case "unplaced":
      return c.reason;
  }
}

export function formatPlanMarkdown(plan: Plan): string {
  const n = plan.summary;
  const out: string[] = [];
  out.push(`### berth plan for \`${shortSha(plan.commit)}\``);
  out.push("");
  out.push(
    n.inSync
      ? `**In sync** — ${n.keep} pod(s) unchanged${n.unplaced ? `, ${n.unplaced} unplaced` : ""}.`
      : `**${n.create}** to create, **${n.replace}** to replace, **${n.recreate}** to recreate, **${n.remove}** to remove, ${n.keep} unchanged, ${n.unplaced} unplaced.`,
  );
  const unreachable = plan.hosts.filter((h) => h.state === "unreachable");
  if (unreachable.length) out.push("", `> Not observed: ${unreachable.map((h) => `\`${h.name}\` (${h.error ?? "unreachable"})`).join(", ")}. Their pods are unknown to this plan.`);
  for (const s of plan.services) {
    const changes = s.changes.filter((c) => c.action !== "keep");
    if (changes.length === 0) continue;
    out.push("", `#### ${s.kind === "removed" ? `~~${s.name}~~ (deleted from git)` : `${s.name}`}${s.pod ? ` — ${s.replicas} replicas, spec \`${s.pod.specHash}\`` : ""}`, "");
    out.push("| slot | host | action | why |", "| ---: | --- | --- | --- |");
    for (const c of changes) out.push(`| ${c.slot} | ${c.action === "unplaced" ? "—" : c.host} | ${VERB[c.action]} | ${cell(why(c))} |`);
    if (s.waves.length) out.push("", `Waves: ${s.waves.map((w) => `${w.index}. ${w.summary}`).join(" → ")}`);
  }
  out.push("", `<sub>owner \`${plan.owner}\`, made ${plan.createdAt}</sub>`);
  return out.join("\n") + "\n";
}
