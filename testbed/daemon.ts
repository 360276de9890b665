/**
 * Background processes of the test bed, tracked by pid files so that a later
 * `bed:down` (from another process) can find and stop them.
 */
import { spawn } from "node:child_process";
import { openSync, closeSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie answers kill(0) but is not running.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

export interface StartOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  /** Written by us unless the program writes its own (dockerd does). */
  readonly pidFile?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Starts a detached process whose output goes to `logFile`; returns its pid. */
export function startDetached(opts: StartOptions): number {
  const out = openSync(opts.logFile, "a");
  try {
    const child = spawn(opts.command, [...opts.args], {
      detached: true,
      stdio: ["ignore", out, out],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    if (child.pid === undefined) throw new Error(`Could not start ${opts.command}`);
    child.unref();
    if (opts.pidFile) writeFileSync(opts.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/**
 * Stops the process named by `pidFile`: SIGTERM, then SIGKILL after
 * `graceMs`. Returns whether a process was running.
 */
export async function stopByPidFile(pidFile: string, graceMs = 15_000): Promise<boolean> {
  const pid = readPid(pidFile);
  if (pid === undefined || !isAlive(pid)) {
    rmSync(pidFile, { force: true });
    return false;
  }
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
  while (isAlive(pid)) await sleep(50);
  rmSync(pidFile, { force: true });
  return true;
}

/** Polls `probe` until it returns true or `timeoutMs` passes. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * Waits for a daemon just started as `pid` to answer `probe`. An exit (a
 * port taken, a bad flag) is reported at once, not after the timeout; either
 * way the process is stopped and the cause returned for the caller's own
 * error (with its log). `exited` may add to "the process exited".
 */
export async function waitForStart(opts: { pid: number; pidFile: string; probe: () => Promise<boolean>; timeoutMs: number; notReady: string; exited?: () => Promise<string> }): Promise<string | undefined> {
  const deadline = Date.now() + opts.timeoutMs;
  while (!(await opts.probe())) {
    const cause = !isAlive(opts.pid) ? `the process exited${(await opts.exited?.()) ?? ""}` : Date.now() > deadline ? opts.notReady : undefined;
    if (cause !== undefined) {
      await stopByPidFile(opts.pidFile, 5_000);
      return cause;
    }
    await sleep(100);
  }
  return undefined;
}
