/**
 * The rollout under way, live: per service, each changing slot's phase,
 * since when, and for a slot at the health gate the time it has taken
 * against the service's `progressDeadline`. After the rollout ends the last
 * one stays shown, folded, until the next.
 */
import type { RolloutServiceStatus, RolloutSlotStatus, RolloutStatus } from "../loop/rollout-progress.ts";
import { commitTag } from "./commit-tag.ts";
import { escapeHtml } from "./escape-html.ts";
import { badge } from "./state-badge.ts";
import { durationText, timeTag } from "./time-text.ts";

function slotRow(x: RolloutSlotStatus, svc: RolloutServiceStatus, running: boolean, now: number): string {
  const gated = x.phase === "launching" && x.startedAt;
  const deadline = svc.progressDeadlineMs !== undefined ? ` of ${durationText(svc.progressDeadlineMs)} deadline` : "";
  const elapsed = gated ? `${timeTag(x.startedAt!, now, "elapsed", running)}${deadline}` : "";
  return `<tr data-slot="${x.slot}"><td class="num">${x.slot}</td><td>${escapeHtml(x.host)}</td><td>${escapeHtml(x.action)}</td><td>${badge(x.phase)}</td><td>${timeTag(x.since, now, "ago", true)}</td><td>${elapsed}</td><td class="reason">${x.message ? escapeHtml(x.message) : ""}</td></tr>`;
}

function serviceBlock(svc: RolloutServiceStatus, running: boolean, now: number): string {
  const done = svc.slots.filter((x) => x.phase === "done" || x.phase === "routed" || x.phase === "removed" || x.phase === "resized").length;
  const state = svc.finished ?? (running ? "progressing" : "interrupted");
  const head = `<thead><tr><th scope="col">Slot</th><th scope="col">Host</th><th scope="col">Action</th><th scope="col">Phase</th><th scope="col">Since</th><th scope="col">Health gate</th><th scope="col">Last step</th></tr></thead>`;
  const rows = svc.slots.map((x) => slotRow(x, svc, running, now)).join("");
  const last = svc.last ? `<p class="note">last: ${escapeHtml(svc.last.phase)}: ${escapeHtml(svc.last.message)}</p>` : "";
  const table = svc.slots.length ? `<div class="scroll"><table class="slots">${head}<tbody>${rows}</tbody></table></div>` : "";
  return `<details data-key="rollout:${escapeHtml(svc.service)}"${running ? " open" : ""} data-rollout-service="${escapeHtml(svc.service)}"><summary>${escapeHtml(svc.service)} ${badge(state)} <span class="note">${done} of ${svc.slots.length} slots through</span></summary>${table}${last}</details>`;
}

export function renderRollout(rollout: RolloutStatus | undefined, now: number): string {
  if (!rollout) return "";
  const running = !rollout.endedAt;
  const title = running ? `Rollout in progress` : `Last rollout`;
  const when = running ? `started ${timeTag(rollout.startedAt, now)}` : `ended ${timeTag(rollout.endedAt!, now)}, took ${durationText(Date.parse(rollout.endedAt!) - Date.parse(rollout.startedAt))}`;
  const blocks = rollout.services.map((s) => serviceBlock(s, running, now)).join("");
  return `<section aria-labelledby="h-rollout" id="rollout" data-running="${running}"><h2 id="h-rollout">${title}</h2><p>commit ${commitTag(rollout.commit)}, ${when}</p>${blocks || `<p class="none">nothing to change</p>`}</section>`;
}
