/**
 * One `berth run` or `berth apply` per owner and state folder on a machine:
 * `<state>/locks/<owner digest>.lock`, created exclusively, naming the
 * holder's pid. A lock whose process is gone (killed, machine rebooted) is
 * taken over; a live holder is named in the refusal.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface LockHolder {
  readonly pid: number;
  readonly hostname: string;
  readonly command: string;
  readonly since: string;
}

export class LocalLockHeld extends Error {
  constructor(
    readonly file: string,
    readonly holder: LockHolder,
    owner: string,
  ) {
    super(`berth ${holder.command} (pid ${holder.pid}) has reconciled ${owner} with this state folder since ${holder.since} (lock ${file}); stop it first, give this one another --state-dir, or run several instances with --lock etcd://…`);
    this.name = "LocalLockHeld";
  }
}

export function lockFile(stateDir: string, owner: string): string {
  return path.join(stateDir, "locks", `${createHash("sha256").update(owner).digest("hex").slice(0, 16)}.lock`);
}

/** Takes the lock or throws LocalLockHeld; returns its release. */
export function takeLocalLock(stateDir: string, owner: string, command: string, now = new Date()): () => void {
  const file = lockFile(stateDir, owner);
  mkdirSync(path.dirname(file), { recursive: true });
  const me: LockHolder = { pid: process.pid, hostname: os.hostname(), command, since: now.toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(me)}\n`, { flag: "wx" });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        // Only our own: a lock taken over after we were presumed dead is not ours to remove.
        if (readHolder(file)?.pid === process.pid) rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = readHolder(file);
      if (holder && holder.pid !== process.pid && holder.hostname === me.hostname && alive(holder.pid)) throw new LocalLockHeld(file, holder, owner);
      // Gone, unreadable, or left by this very pid (a reused pid after a reboot): stale.
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not take the lock ${file}: another process takes and drops it repeatedly`);
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, "utf8")) as Partial<LockHolder>;
    return typeof h.pid === "number" && typeof h.hostname === "string" ? { pid: h.pid, hostname: h.hostname, command: String(h.command ?? "run"), since: String(h.since ?? "") } : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
