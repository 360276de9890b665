/**
 * The election itself on a real etcd (issue 14): one leader per owner; a
 * follower's fence is refused; a leader killed with -9 is replaced within
 * the TTL plus one poll; a deposed leader's writes to the shared state are
 * refused by etcd; and with etcd stopped the leader steps down on its own
 * clock within the TTL, and someone leads again once etcd is back. The
 * daemons built on it: the other tests of this folder.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { openEtcd, type EtcdConnection } from "../../../reconciler/lease/etcd-client.ts";
import { EtcdElection } from "../../../reconciler/lease/etcd-election.ts";
import { ownerKeys } from "../../../reconciler/lease/etcd-keys.ts";
import { EtcdStateStore } from "../../../reconciler/lease/etcd-store.ts";
import { LeaseLostError } from "../../../reconciler/lease/lease-lost-error.ts";
import type { DeployedRecord } from "../../../reconciler/model/deployed.ts";
import { startEtcd, stopEtcd } from "../../../testbed/etcd.ts";
import { ETCD_URL, repoRoot } from "../../../testbed/layout.ts";
import { useBed } from "../../support/bed.ts";

const LOCK = `etcd://${new URL(ETCD_URL).host}`;
const log = pino({ level: "silent" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function untilTrue(what: string, f: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (!f()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
  return Date.now() - t0;
}

const record = (owner: string, commit: string): DeployedRecord => ({ apiVersion: "berth/v1", kind: "DeployedRecord", owner, commit, at: new Date().toISOString(), hosts: [], observed: [], slots: [], jobs: [] });

describe("etcd election (real etcd)", function () {
  this.timeout(60_000);
  const opened: { close(): Promise<void> }[] = [];
  let owner: string;
  const elect = async (instance: string, ttlS = 2, lock = LOCK): Promise<{ election: EtcdElection; etcd: EtcdConnection }> => {
    const etcd = openEtcd({ lock });
    const election = new EtcdElection({ etcd, owner, instance, ttlS, log });
    opened.push(election);
    await election.start();
    return { election, etcd };
  };

  before(async function () {
    await useBed(this);
  });
  beforeEach(() => (owner = `test-election-${process.pid}-${Date.now()}`));
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((e) => e.close()));
    const etcd = openEtcd({ lock: LOCK });
    await etcd.client.delete().prefix(ownerKeys(owner).leader.replace(/leader$/, "")).exec().catch(() => undefined);
    etcd.client.close();
  });

  it("elects one leader; the other follows, names it, and its fence is refused", async function () {
    const a = await elect("a");
    const b = await elect("b");
    assert.equal(a.election.state().leader, true);
    assert.equal(b.election.state().leader, false);
    assert.equal(b.election.state().holder, "a");
    assert.equal(b.election.state().since, a.election.state().since);
    await a.election.fence();
    await assert.rejects(b.election.fence(), (e: unknown) => e instanceof LeaseLostError && /a leads/.test(e.message));
  });

  it("a leader killed with -9 is replaced within the TTL plus one poll", async function () {
    const ttlS = 2;
    const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "test/support/elect-and-hold.ts"), LOCK, owner, "doomed", String(ttlS)], { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on("data", (c: Buffer) => c.toString().includes("leading") && resolve());
        child.once("exit", (code) => reject(new Error(`the leader process exited (${code}) before it led`)));
      });
      const b = await elect("b", ttlS);
      assert.equal(b.election.state().holder, "doomed");
      child.kill("SIGKILL");
      const ms = await untilTrue("b to lead", () => b.election.state().leader, ttlS * 1000 + 3_000);
      console.log(`      takeover ${ms} ms after kill -9 (TTL ${ttlS} s, poll 500 ms)`);
      assert.ok(ms <= ttlS * 1000 + 500 + 300, `took over after ${ms} ms`);
      await b.election.fence();
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("a deposed leader's write to the shared state is refused by etcd, and the successor's record stands", async function () {
    const a = await elect("a");
    const storeA = new EtcdStateStore(a.etcd, owner, a.election);
    await storeA.writeRecord(record(owner, "c1"));
    // a's key is taken away behind its back (as when its lease expired while it was paused), and b is elected.
    await a.etcd.client.delete().key(ownerKeys(owner).leader).exec();
    const b = await elect("b");
    assert.equal(b.election.state().leader, true);
    const storeB = new EtcdStateStore(b.etcd, owner, b.election);
    await storeB.writeRecord(record(owner, "c2"));
    await assert.rejects(storeA.writeRecord(record(owner, "stale")), LeaseLostError);
    assert.equal(a.election.state().leader, false, "a stepped down on the refusal");
    assert.equal((await storeB.readRecord()).record?.commit, "c2");
    assert.equal(await storeA.claimRun("backup", 1_000).catch((e: unknown) => e instanceof LeaseLostError), true, "nor can it claim a job tick");
    assert.equal(await storeB.claimRun("backup", 1_000), true);
    assert.equal(await storeB.claimRun("backup", 1_000), false, "a tick is claimed once");
  });

  it("with etcd stopped the leader steps down within the TTL, writes nothing meanwhile, and one instance leads again once etcd is back", async function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), "berth-etcd-outage-"));
    const opts = { dataDir: path.join(dir, "data"), clientPort: 23795, peerPort: 23796, logFile: path.join(dir, "etcd.log"), pidFile: path.join(dir, "etcd.pid"), name: "outage" };
    try {
      const etcd = await startEtcd(opts);
      const lock = `etcd://127.0.0.1:${opts.clientPort}`;
      const ttlS = 3;
      const a = await elect("a", ttlS, lock);
      const b = await elect("b", ttlS, lock);
      assert.equal(a.election.state().leader, true);
      const t0 = Date.now();
      await stopEtcd(opts.pidFile);
      const down = await untilTrue("a to step down", () => !a.election.state().leader, ttlS * 1000 + 1_000);
      console.log(`      leader stepped down ${down} ms after etcd stopped (TTL ${ttlS} s); etcd ${etcd.url}`);
      assert.ok(Date.now() - t0 <= ttlS * 1000 + 1_000);
      await assert.rejects(a.election.fence(), LeaseLostError);
      await assert.rejects(b.election.fence(), LeaseLostError);
      await sleep(1_000);
      assert.equal(b.election.state().leader, false, "nobody leads without etcd");
      await startEtcd(opts);
      const back = await untilTrue("someone to lead again", () => a.election.state().leader || b.election.state().leader, 20_000);
      console.log(`      led again ${back} ms after etcd was started again`);
      assert.equal(a.election.state().leader && b.election.state().leader, false, "not both");
      const leader = a.election.state().leader ? a : b;
      await leader.election.fence();
    } finally {
      await Promise.allSettled(opened.splice(0).map((e) => e.close()));
      await stopEtcd(opts.pidFile);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
