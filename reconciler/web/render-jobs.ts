/**
 * The jobs: schedule, next run, and the last runs with their result, exit
 * code and duration (the earlier ones folded). A run's output is not shown: it is the job's to print, and people
 * read it with `berth status --json` where they mean to.
 */
import type { JobRun, JobStatus } from "../loop/status.ts";
import { escapeHtml } from "./escape-html.ts";
import { badge } from "./state-badge.ts";
import { timeTag } from "./time-text.ts";

/** `3 s ago ✓ succeeded exit 0, took 1.2 s`. */
function runText(run: JobRun, now: number): string {
  const took = run.durationMs === undefined ? "" : `, took ${run.durationMs < 1000 ? `${run.durationMs} ms` : `${(run.durationMs / 1000).toFixed(1)} s`}`;
  return `${timeTag(run.at, now)} ${badge(run.result)}${run.exitCode !== undefined ? ` exit ${run.exitCode}` : ""}${took}${run.reason ? ` <span class="reason">${escapeHtml(run.reason)}</span>` : ""}`;
}

function jobRow(j: JobStatus, now: number): string {
  const run = j.lastRun;
  const earlier = (j.recentRuns ?? []).slice(1);
  const more = earlier.length > 0 ? `<details><summary>${earlier.length} earlier</summary><ul>${earlier.map((r) => `<li>${runText(r, now)}</li>`).join("")}</ul></details>` : "";
  const last = run ? `${runText(run, now)}${more}` : `<span class="none">not run yet</span>`;
  return `<tr data-job="${escapeHtml(j.name)}"><th scope="row">${escapeHtml(j.name)}</th><td>${j.schedule ? `<code>${escapeHtml(j.schedule)}</code>` : "on demand"}</td><td>${j.nextRun ? timeTag(j.nextRun, now) : ""}</td><td>${last}</td></tr>`;
}

export function renderJobs(jobs: readonly JobStatus[], now: number): string {
  if (jobs.length === 0) return "";
  const head = `<thead><tr><th scope="col">Job</th><th scope="col">Schedule</th><th scope="col">Next run</th><th scope="col">Last run</th></tr></thead>`;
  return `<section aria-labelledby="h-jobs"><h2 id="h-jobs">Jobs</h2><div class="scroll"><table class="jobs">${head}<tbody>${jobs.map((j) => jobRow(j, now)).join("")}</tbody></table></div></section>`;
}
