/**
 * The fleet view's content from one DaemonStatus: a pure function of the
 * status and the time, so the page the daemon serves first and every
 * update the page's script fetches are the same HTML (one renderer, no
 * second one in the browser).
 */
import type { DaemonStatus } from "../loop/status.ts";
import { escapeHtml } from "./escape-html.ts";
import { renderHeld } from "./render-held.ts";
import { renderHistory } from "./render-history.ts";
import { renderHosts } from "./render-hosts.ts";
import { renderJobs } from "./render-jobs.ts";
import { renderRollout } from "./render-rollout.ts";
import { renderServices } from "./render-services.ts";
import { renderSource, renderSummary } from "./render-source.ts";

/** `<main id="fleet">`; `data-now` is the daemon's clock, which the script reckons "3 s ago" from. */
export function renderFleet(status: DaemonStatus, now: number): string {
  const sections = [
    renderSummary(status),
    renderSource(status, now),
    renderRollout(status.rollout, now),
    renderHeld(status),
    renderServices(status.services, now),
    renderHosts(status.hosts),
    renderJobs(status.jobs, now),
    renderHistory(status.history, now),
  ];
  return `<main id="fleet" data-owner="${escapeHtml(status.owner)}" data-now="${new Date(now).toISOString()}">${sections.join("")}</main>`;
}
