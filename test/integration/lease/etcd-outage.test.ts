/**
 * etcd stopped under two instances (issue 14), on a private etcd so the
 * bed's keeps running: within the TTL the leader steps down on its own
 * clock and nobody leads; a commit pushed meanwhile is not applied by
 * anyone; once etcd is back (same data) one instance leads again and the
 * commit converges.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEtcd, stopEtcd } from "../../../testbed/etcd.ts";
import type { BedLayout } from "../../../testbed/layout.ts";
import { useBed } from "../../support/bed.ts";
import { DaemonHarness, sleep, until, type DaemonProcess } from "../../support/daemon-harness.ts";
import { engineClient } from "../../../testbed/engines.ts";
import { hostsYaml } from "../../support/fleet-dir.ts";
import { lockArgs, logTails, oneLeader, TTL_S, webYaml } from "./lease-fleet.ts";

const CLIENT_PORT = 23791;
const PEER_PORT = 23792;
const LOCK = `etcd://127.0.0.1:${CLIENT_PORT}`;

describe("etcd outage under two instances (issue 14)", function () {
  this.timeout(150_000);
  let bed: BedLayout;
  let h: DaemonHarness;
  let etcdDir: string;
  const instances: Record<string, DaemonProcess> = {};
  const etcd = () => ({ dataDir: path.join(etcdDir, "data"), clientPort: CLIENT_PORT, peerPort: PEER_PORT, logFile: path.join(etcdDir, "etcd.log"), pidFile: path.join(etcdDir, "etcd.pid"), name: "outage" });

  before(async function () {
    bed = await useBed(this);
    etcdDir = mkdtempSync(path.join(os.tmpdir(), "berth-etcd-outage-"));
    await startEtcd(etcd());
    h = new DaemonHarness(bed, { name: "lease-outage", interval: "1s", args: lockArgs(LOCK) });
    h.init();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(`      daemon logs (last lines):\n${logTails(instances)}`);
  });

  after(async function () {
    await h?.cleanup();
    // The private etcd and its data go whole: no key of this owner is left anywhere.
    if (etcdDir) {
      await stopEtcd(etcd().pidFile);
      rmSync(etcdDir, { recursive: true, force: true });
    }
  });

  /** Whether `d` claims to lead: an instance that does not answer does not. */
  const claimsToLead = async (d: DaemonProcess) => (await d.status().catch(() => undefined))?.leader === true;
  const containersOf = async (commit: string) =>
    (await Promise.all(bed.hosts.map((host) => engineClient(host).listContainers({ all: true, filters: { label: [`berth.owner=${h.owner}`, `berth.commit=${commit}`] } })))).flat();

  it("nobody leads within the TTL of etcd stopping, a commit pushed meanwhile is not applied, and it converges once etcd is back", async function () {
    const v1 = h.push({ "hosts.yaml": hostsYaml(bed), "web.yaml": webYaml("v1") }, "web v1");
    instances.a = h.instance("a");
    instances.b = h.instance("b");
    await Promise.all([instances.a.listening, instances.b.listening]);
    const { leader } = await oneLeader([instances.a, instances.b], 15_000);
    await h.converged(v1, { service: "web", replicas: 3, timeoutMs: 60_000, daemon: leader });
    const all = [instances.a, instances.b];

    const tStop = Date.now();
    assert.equal(await stopEtcd(etcd().pidFile), true, "the private etcd was running");
    const stoppedMs = Date.now() - tStop;
    await until("no instance claiming to lead", async () => ((await Promise.all(all.map(claimsToLead))).some(Boolean) ? undefined : true), (TTL_S + 1) * 1000 + stoppedMs, { everyMs: 100 });
    const stepDownMs = Date.now() - tStop;
    assert.match(leader.log, /"msg":"no longer leading: /, "the leader says it stepped down");
    const s = await leader.status();
    assert.deepEqual({ leader: s.leader, leadershipLeader: s.leadership?.leader }, { leader: false, leadershipLeader: false });

    const v2 = h.push({ "web.yaml": webYaml("v2") }, "web v2, pushed while etcd is down");
    const tPush = Date.now();
    await sleep((TTL_S + 5) * 1000);
    const leadersDuringOutage = (await Promise.all(all.map(claimsToLead))).filter(Boolean).length;
    const made = await containersOf(v2);
    const checkedMs = Date.now() - tPush;
    assert.equal(leadersDuringOutage, 0, "still nobody leads while etcd is down");
    assert.deepEqual(made.map((c) => `${c.Names[0]} ${c.State}`), [], "no container of the commit pushed during the outage");
    const seen = await Promise.all(all.map((d) => d.status()));
    assert.ok(seen.some((x) => x.source.commitSeen === v2), "the instances did see the commit (their source is fresh): they held back for want of a leader");

    const tStart = Date.now();
    await startEtcd(etcd());
    const startedMs = Date.now() - tStart;
    const { leader: next } = await oneLeader(all, 30_000);
    const releadMs = Date.now() - tStart;
    await h.converged(v2, { service: "web", replicas: 3, timeoutMs: 60_000, daemon: next });
    const backToConvergedMs = Date.now() - tStart;
    console.log(
      `      etcd stopped (took ${stoppedMs} ms) → nobody leads: ${(stepDownMs / 1000).toFixed(1)} s (TTL ${TTL_S} s); ` +
        `commit pushed during the outage: no container of it ${(checkedMs / 1000).toFixed(1)} s after the push; ` +
        `etcd started (took ${startedMs} ms) → one leads: ${(releadMs / 1000).toFixed(1)} s, → converged: ${(backToConvergedMs / 1000).toFixed(1)} s`,
    );
    assert.ok(stepDownMs <= (TTL_S + 1) * 1000 + stoppedMs, `stepped down within TTL + 1 s of etcd stopping (${stepDownMs} ms)`);
    const entries = await h.etcdJournal(LOCK, v2);
    assert.equal(entries.filter((e) => e.result === "converged").length, 1, `one converged entry for v2 in etcd: ${JSON.stringify(entries.map((e) => e.result))}`);
  });
});
