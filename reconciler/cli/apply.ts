/**
 * `berth apply`: carry out a fresh plan, or a saved one when the fleet and
 * the commit are still what it was made from. Exit 0 only when converged.
 * A fresh plan is printed and, on a terminal, confirmed first (`yes`, as
 * terraform asks); `--yes` skips the question, and without a terminal apply
 * needs `--yes` or a saved plan before it reads anything.
 */
import { readSavedPlan } from "../plan/read-saved-plan.ts";
import type { Plan } from "../plan/types.ts";
import { applyPlan } from "../rollout/apply-plan.ts";
import { liveApplyDeps } from "../rollout/live-deps.ts";
import { plannedSlots, planFromRecord, saveRecord } from "../pipeline/plan-from-record.ts";
import { planFleet } from "../pipeline/plan-fleet.ts";
import { loadDesired, seedFor } from "./desired-state.ts";
import { openForWriting, type SharedState } from "./shared-state.ts";
import { fencedHost } from "../lease/fenced-host.ts";
import { createLogger } from "../loop/logger.ts";
import { renderPlan } from "./render-plan.ts";
import { useColor } from "./use-color.ts";
import { jsonProgress, lineProgress, type Progress } from "./progress.ts";
import { APPLY_QUESTION, confirmed } from "./confirm.ts";
import { fail, type CommandFailure } from "./fail.ts";
import { LocalLockHeld } from "../lease/local-lock.ts";

/** Why a saved plan no longer applies, or undefined when it still does. */
export function stalePlanReason(saved: Plan, fresh: Plan): string | undefined {
  if (saved.owner !== fresh.owner) return `it was made for source ${saved.owner}, not ${fresh.owner}`;
  if (saved.commit !== fresh.commit) return `it was made from commit ${saved.commit}, and the source is now at ${fresh.commit}`;
  const now = new Map(fresh.hosts.map((h) => [h.name, h]));
  for (const h of saved.hosts) {
    const cur = now.get(h.name);
    if (!cur) return `host ${h.name} is no longer in the fleet`;
    if (cur.digest !== h.digest) return `host ${h.name} changed since the plan was made (observed ${h.digest ?? "nothing"}, now ${cur.digest ?? "unreachable"})`;
  }
  return undefined;
}

/**
 * Who said go: `given` by `--yes` or by a saved plan (reviewed when it was
 * made), `ask` the person at the terminal, or why apply cannot go on: with
 * --json, or without a terminal, there is nobody to ask.
 * @example approval({}, false) // { code: "approval-needed", message: "there is no terminal to confirm on, …" }
 */
export function approval(opts: Record<string, unknown>, terminal: boolean): "given" | "ask" | CommandFailure {
  if (typeof opts["plan"] === "string" || opts["yes"] === true) return "given";
  const how = "add --yes to apply the plan it prints without asking, or --plan FILE to apply a plan saved (and reviewed) with `berth plan --out FILE`; nothing was changed.";
  if (opts["json"]) return { code: "approval-needed", message: `--json needs --yes or --plan FILE: apply asks before it changes anything, and a program reading JSON cannot answer; ${how}` };
  if (!terminal) return { code: "approval-needed", message: `there is no terminal to confirm on (standard input or output is not a terminal), so apply does not ask: ${how}` };
  return "ask";
}

export async function runApply(dir: string | undefined, opts: Record<string, unknown>): Promise<number> {
  // Before anything is read: a CI job without --yes learns it at once, not after the plan.
  const approved = approval(opts, Boolean(process.stdin.isTTY && process.stdout.isTTY));
  if (typeof approved === "object") return fail("apply", approved, opts);
  const desired = await loadDesired(dir, opts, "apply");
  if (!desired) return 1;
  const warn = (m: string) => process.stderr.write(`berth apply: ${m}\n`);
  let shared: SharedState;
  try {
    shared = await openForWriting(opts, desired.owner, "apply", createLogger({ level: process.env.BERTH_LOG_LEVEL ?? "warn", color: useColor(process.stderr) }));
  } catch (err) {
    return fail("apply", { code: err instanceof LocalLockHeld ? "lock-held" : "state-unavailable", message: (err as Error).message }, opts);
  }
  try {
    return await applyWith(desired, shared, { opts, ask: approved === "ask", warn });
  } finally {
    await shared.close();
  }
}

async function applyWith(desired: NonNullable<Awaited<ReturnType<typeof loadDesired>>>, shared: SharedState, how: { opts: Record<string, unknown>; ask: boolean; warn: (m: string) => void }): Promise<number> {
  const { opts, warn } = how;
  const { store, leadership } = shared;
  const seed = seedFor(desired.owner);
  const { plan: fresh, connected, record, ...firstLook } = await planFromRecord({ ...desired, store, now: Date.now(), seed, warn });
  let plan = fresh;
  const json = Boolean(opts["json"]);
  /** Writes the deployment record from a fresh look at the engines (or `look` when nothing changed since). */
  const recordAfter = async (applied: boolean, look?: Awaited<ReturnType<typeof planFleet>>) => {
    try {
      const after = look ?? (await planFleet({ ...desired, connected, now: Date.now(), seed, hostLostAfterMs: desired.operator.config.hostLostAfterMs, traffic: desired.operator.config.traffic, ...(record ? { record } : {}) }));
      await saveRecord({ store, owner: desired.owner, now: Date.now(), fleet: desired.fleet, commit: desired.commit, applied, ...(record ? { previous: record } : {}), connected }, after);
    } catch (err) {
      warn(`could not write the deployment record: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  if (typeof opts["plan"] === "string") {
    const saved = readSavedPlan(opts["plan"]);
    if (typeof saved === "string") return fail("apply", { code: "plan-unreadable", message: saved }, opts);
    // A plan saved before plans carried their steps cannot be carried out as printed.
    if (saved.services.some((svc) => svc.waves.some((w) => !Array.isArray(w.tracks)))) {
      return fail("apply", { code: "plan-outdated", message: `refusing the saved plan ${opts["plan"]}: it was made by an older berth and carries no rollout steps. Make a new one with \`berth plan --out FILE\`.` }, opts);
    }
    const stale = stalePlanReason(saved, fresh);
    if (stale) return fail("apply", { code: "plan-stale", message: `refusing the saved plan ${opts["plan"]}: ${stale}. Make a new one with \`berth plan --out FILE\`.` }, opts);
    plan = saved;
  } else if (!json) {
    process.stdout.write(renderPlan(plan, "text"));
  }
  if (plan.refused) {
    if (json) process.stdout.write(`${JSON.stringify({ type: "result", ok: false, refused: plan.refused, services: [], failedHosts: [], ms: 0 })}\n`);
    else process.stdout.write(`berth apply: refused, nothing was changed: ${plan.refused.message}\n`);
    return 1;
  }
  if (plan.summary.inSync) {
    const ok = plan.summary.unplaced === 0;
    await recordAfter(true, { plan: fresh, ...firstLook });
    if (json) process.stdout.write(`${JSON.stringify({ type: "result", ok, inSync: true, services: [], failedHosts: [], ms: 0 })}\n`);
    else process.stdout.write("berth apply: the fleet is in sync with the source; nothing to do.\n");
    return ok ? 0 : 1;
  }
  // The plan was printed above; nothing has been written yet, so a "no" leaves the fleet and the record as they were.
  if (how.ask) {
    process.stdout.write("\n");
    if (!(await confirmed(APPLY_QUESTION, { input: process.stdin, output: process.stdout }))) {
      process.stdout.write("Apply cancelled; nothing was changed.\n");
      return 1;
    }
  }
  const progress: Progress = json
    ? jsonProgress(process.stdout)
    : process.stdout.isTTY && process.env.CI === undefined
      ? (await import("./terminal-progress.ts")).terminalProgress(process.stdout, { color: useColor(process.stdout), plan })
      : lineProgress(process.stdout);
  // Before anything starts: a crash in the middle leaves no pod the record does not know of.
  try {
    await saveRecord({ store, owner: desired.owner, now: Date.now(), fleet: desired.fleet, commit: desired.commit, applied: false, ...(record ? { previous: record } : {}), connected, planned: plannedSlots(plan) }, { plan: fresh, ...firstLook });
  } catch (err) {
    warn(`could not write the deployment record: ${err instanceof Error ? err.message : String(err)}`);
  }
  // With --lock every write asks etcd first: an apply whose lease is lost stops before its next write.
  const hosts = new Map([...connected.hosts].map(([name, h]) => [name, fencedHost(h, leadership)]));
  const result = await applyPlan(plan, liveApplyDeps(hosts, desired.operator.config.secrets, { onEvent: (e) => progress.event(e), drainDelayMs: desired.operator.config.traffic.drainDelayMs })).finally(() => progress.done?.());
  await recordAfter(result.services.every((s) => s.result === "converged"));
  if (json) {
    process.stdout.write(`${JSON.stringify({ type: "result", ...result })}\n`);
    return result.ok ? 0 : 1;
  }
  for (const s of result.services) process.stdout.write(`${s.service}: ${s.result}${s.error ? ` (${s.error.code})` : ""}${s.reason ? ` — ${s.reason}` : ""}\n`);
  for (const h of result.failedHosts) process.stdout.write(`host ${h.host}: not reconciled — ${h.reason}\n`);
  // Only a `retry` left (a host lost, the registry down): not the commit's fault, and running apply again finishes it.
  const onlyWaiting = result.services.every((s) => s.result === "converged" || s.result === "waiting");
  process.stdout.write(
    result.ok
      ? `berth apply: converged in ${(result.ms / 1000).toFixed(1)} s\n`
      : onlyWaiting
        ? "berth apply: not converged yet, through no fault of the commit (see above); run it again once the hosts or the registry answer\n"
        : "berth apply: failed; see above\n",
  );
  return result.ok ? 0 : 1;
}
