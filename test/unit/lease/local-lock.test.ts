/**
 * The state folder's local lock: one `berth run` or `berth apply` per owner
 * and folder on a machine, its holder named; a dead holder's lock is taken
 * over. (The same through the real CLI: test/integration/lease/local-lock.test.ts.)
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalLockHeld, lockFile, takeLocalLock } from "../../../reconciler/lease/local-lock.ts";

describe("local lock", function () {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), "berth-lock-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is taken, names its holder, and is gone once released", function () {
    const release = takeLocalLock(dir, "owner-a", "run", new Date("2026-12-02T10:00:00Z"));
    const holder = JSON.parse(readFileSync(lockFile(dir, "owner-a"), "utf8"));
    assert.deepEqual(holder, { pid: process.pid, hostname: os.hostname(), command: "run", since: "2026-12-02T10:00:00.000Z" });
    release();
    assert.equal(existsSync(lockFile(dir, "owner-a")), false);
  });

  it("refuses a second holder while the first lives, naming its pid, command and since", function () {
    // A live process other than this one: the parent of this test process.
    mkdirSync(path.dirname(lockFile(dir, "o")), { recursive: true });
    writeFileSync(lockFile(dir, "o"), JSON.stringify({ pid: process.ppid, hostname: os.hostname(), command: "run", since: "2026-12-02T09:00:00.000Z" }));
    assert.throws(
      () => takeLocalLock(dir, "o", "apply"),
      (err: unknown) => err instanceof LocalLockHeld && err.holder.pid === process.ppid && err.message.includes(`berth run (pid ${process.ppid}) has reconciled o with this state folder since 2026-12-02T09:00:00.000Z`) && err.message.includes("--lock etcd://"),
    );
  });

  it("is per owner: another owner in the same folder is not refused", function () {
    const a = takeLocalLock(dir, "owner-a", "run");
    const b = takeLocalLock(dir, "owner-b", "run");
    a();
    b();
  });

  it("takes over a lock whose process is gone (kill -9, a reboot)", function () {
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    const deadPid = Number(gone.stdout);
    mkdirSync(path.dirname(lockFile(dir, "o")), { recursive: true });
    writeFileSync(lockFile(dir, "o"), JSON.stringify({ pid: deadPid, hostname: os.hostname(), command: "run", since: "2026-12-01T00:00:00.000Z" }));
    const release = takeLocalLock(dir, "o", "run");
    assert.equal(JSON.parse(readFileSync(lockFile(dir, "o"), "utf8")).pid, process.pid);
    release();
  });

  it("takes over an unreadable lock file", function () {
    mkdirSync(path.dirname(lockFile(dir, "o")), { recursive: true });
    writeFileSync(lockFile(dir, "o"), "{torn");
    takeLocalLock(dir, "o", "run")();
  });

  it("a release after the lock was taken over leaves the new holder's lock alone", function () {
    const release = takeLocalLock(dir, "o", "run");
    writeFileSync(lockFile(dir, "o"), JSON.stringify({ pid: process.ppid, hostname: os.hostname(), command: "run", since: "x" }));
    release();
    assert.equal(JSON.parse(readFileSync(lockFile(dir, "o"), "utf8")).pid, process.ppid);
  });
});
