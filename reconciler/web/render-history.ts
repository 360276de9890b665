/**
 * The recent deployment attempts from the journal, newest first: what
 * `berth history` prints, for the last few.
 */
import type { JournalEntry } from "../model/journal.ts";
import { commitTag } from "./commit-tag.ts";
import { escapeHtml } from "./escape-html.ts";
import { badge } from "./state-badge.ts";
import { timeTag } from "./time-text.ts";

function entryRow(e: JournalEntry, now: number): string {
  const subject = (e.message ?? "").split("\n")[0] ?? "";
  const failed = e.services.filter((s) => s.result !== "converged");
  const why = [e.reason ?? "", ...failed.map((s) => `${s.name}: ${s.result}${s.reason ? `: ${s.reason}` : ""}`)].filter(Boolean).join("\n");
  return (
    `<tr><td>${timeTag(e.at, now)}</td><td>${commitTag(e.commit)}</td><td>${escapeHtml(subject)}${e.author ? ` <span class="note">${escapeHtml(e.author)}</span>` : ""}</td>` +
    `<td>${escapeHtml(e.trigger)}</td><td>${badge(e.result)}</td><td class="num">${e.ms} ms</td><td class="reason">${why ? `<pre>${escapeHtml(why)}</pre>` : ""}</td></tr>`
  );
}

export function renderHistory(history: readonly JournalEntry[] | undefined, now: number): string {
  if (!history?.length) return "";
  const head = `<thead><tr><th scope="col">When</th><th scope="col">Commit</th><th scope="col">Message</th><th scope="col">Trigger</th><th scope="col">Result</th><th scope="col">Took</th><th scope="col">Why</th></tr></thead>`;
  const rows = [...history].reverse().map((e) => entryRow(e, now)).join("");
  return `<section aria-labelledby="h-history"><h2 id="h-history">Recent deployments</h2><div class="scroll"><table class="history">${head}<tbody>${rows}</tbody></table></div></section>`;
}
