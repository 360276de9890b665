/**
 * The jobs: schedule, next run, and the last run with its result and exit
 * code. A run's output is not shown: it is the job's to print, and people
 * read it with `berth status --json` where they mean to.
 */
import type { JobStatus } from "../loop/status.ts";
import { escapeHtml } from "./escape-html.ts";
import { badge } from "./state-badge.ts";
import { timeTag } from "./time-text.ts";

function jobRow(j: JobStatus, now: number): string {
  const run = j.lastRun;
  const last = run ? `${timeTag(run.at, now)} ${badge(run.result)}${run.exitCode !== undefined ? ` exit ${run.exitCode}` : ""}${run.reason ? ` <span class="reason">${escapeHtml(run.reason)}</span>` : ""}` : `<span class="none">not run yet</span>`;
  return `<tr data-job="${escapeHtml(j.name)}"><th scope="row">${escapeHtml(j.name)}</th><td>${j.schedule ? `<code>${escapeHtml(j.schedule)}</code>` : "on demand"}</td><td>${j.nextRun ? timeTag(j.nextRun, now) : ""}</td><td>${last}</td></tr>`;
}

export function renderJobs(jobs: readonly JobStatus[], now: number): string {
  if (jobs.length === 0) return "";
  const head = `<thead><tr><th scope="col">Job</th><th scope="col">Schedule</th><th scope="col">Next run</th><th scope="col">Last run</th></tr></thead>`;
  return `<section aria-labelledby="h-jobs"><h2 id="h-jobs">Jobs</h2><div class="scroll"><table class="jobs">${head}<tbody>${jobs.map((j) => jobRow(j, now)).join("")}</tbody></table></div></section>`;
}
