/**
 * The top of the fleet view: where the fleet comes from, which commits
 * berth has seen and applied, the last pass, and one line of counts.
 */
import type { DaemonStatus } from "../loop/status.ts";
import { commitTag } from "./commit-tag.ts";
import { escapeHtml } from "./escape-html.ts";
import { badge } from "./state-badge.ts";
import { timeTag } from "./time-text.ts";

export function renderSource(status: DaemonStatus, now: number): string {
  const { source, lastPass } = status;
  const rows = [
    ["Repository", `<code>${escapeHtml(source.identity)}</code>${source.ref ? ` at <code>${escapeHtml(source.ref)}</code>` : ""}`],
    ["Applied", commitTag(source.commitApplied)],
    ["Seen", commitTag(source.commitSeen)],
    ...(source.commitConverging ? [["Converging to", `${commitTag(source.commitConverging)} (waiting for a host or the registry)`]] : []),
    ...leadershipRow(status, now),
    ["Last pass", lastPass ? `${timeTag(lastPass.at, now)}, ${escapeHtml(lastPass.trigger)}, took ${escapeHtml(lastPass.ms)} ms: ${badge(lastPass.result)}` : `<span class="none">none yet</span>`],
    ...(source.error ? [["Source error", `${badge("failed")} ${escapeHtml(source.error)}`]] : []),
  ];
  return `<section aria-labelledby="h-source"><h2 id="h-source">Source</h2><dl class="source">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl></section>`;
}

/** With `--lock`: whether this instance leads, or whom it follows (a follower's page shows what the leader is to do). */
function leadershipRow(status: DaemonStatus, now: number): string[][] {
  const l = status.leadership;
  if (!l || l.lock === "local") return [];
  const who = l.leader
    ? `${badge("leader")} <code>${escapeHtml(l.instance)}</code>${l.since ? ` since ${timeTag(l.since, now)}` : ""}`
    : `${badge("follower")} <code>${escapeHtml(l.instance)}</code>: ${l.holder ? `<code>${escapeHtml(l.holder)}</code> leads` : escapeHtml(l.reason ?? "nobody leads")}; this instance writes nothing`;
  return [["Leadership", `${who} (<code>${escapeHtml(l.lock)}</code>)`]];
}

/** One line of counts: how many services are healthy, hosts up, commits held. */
export function renderSummary(status: DaemonStatus): string {
  const count = (words: readonly string[]) => {
    const n = new Map<string, number>();
    for (const w of words) n.set(w, (n.get(w) ?? 0) + 1);
    return [...n].map(([w, k]) => `${k} ${badge(w)}`).join(" ");
  };
  const hostWords = status.hosts.map((h) => (h.reachable ? (h.state === "drained" ? "drained" : "up") : "unreachable"));
  const parts = [
    `${status.services.length} services${status.services.length ? `: ${count(status.services.map((s) => s.health))}` : ""}`,
    `${status.hosts.length} hosts${status.hosts.length ? `: ${count(hostWords)}` : ""}`,
    `${status.held.length} held`,
    ...(status.diagnostics.length ? [`newest commit ${badge("invalid")}`] : []),
    ...(status.rollout && !status.rollout.endedAt ? [`rollout ${badge("progressing")}`] : []),
  ];
  return `<p class="summary">${parts.join(" · ")}</p>`;
}
