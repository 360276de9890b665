/**
 * Two `berth run` instances of one repository and owner on the bed's etcd
 * (issue 14): one leads, the other follows naming it; a commit is applied
 * once, by the leader alone — never more than replicas + maxSurge pods at
 * any moment, one daemon's "applying" lines, one converged journal entry in
 * etcd — while the follower still observes the service for its status.
 */
import assert from "node:assert/strict";
import type { BedLayout } from "../../../testbed/layout.ts";
import { useBed } from "../../support/bed.ts";
import { DaemonHarness, sleep, type DaemonProcess } from "../../support/daemon-harness.ts";
import { hostsYaml } from "../../support/fleet-dir.ts";
import { appImage, applyingLines, bedLock, lockArgs, logTails, oneLeader, running, webYaml } from "./lease-fleet.ts";

describe("two daemons on one repository elect one leader (issue 14)", function () {
  this.timeout(120_000);
  let bed: BedLayout;
  let h: DaemonHarness;
  let lock: string;
  const instances: Record<string, DaemonProcess> = {};

  before(async function () {
    bed = await useBed(this);
    lock = bedLock(bed);
    h = new DaemonHarness(bed, { name: "lease-two", interval: "1s", args: lockArgs(lock) });
    h.init();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(`      daemon logs (last lines):\n${logTails(instances)}`);
  });

  after(async function () {
    await h?.cleanup();
    await h?.removeEtcdKeys(lock);
  });

  it("one leads and the other names it; a commit is rolled out once, within maxSurge, by the leader alone", async function () {
    const v1 = h.push({ "hosts.yaml": hostsYaml(bed), "web.yaml": webYaml("v1") }, "web v1");
    instances.a = h.instance("a");
    instances.b = h.instance("b");
    await Promise.all([instances.a.listening, instances.b.listening]);
    const { leader, followers } = await oneLeader([instances.a, instances.b], 15_000);
    const follower = followers[0]!;
    const [ls, fs] = [await leader.status(), await follower.status()];
    const leaderName = ls.leadership!.instance;
    assert.deepEqual(
      { leader: ls.leadership?.leader, holder: ls.leadership?.holder, lock: ls.leadership?.lock },
      { leader: true, holder: leaderName, lock },
    );
    assert.deepEqual({ leader: fs.leader, holder: fs.leadership?.holder, lock: fs.leadership?.lock }, { leader: false, holder: leaderName, lock });
    assert.match(fs.leadership?.reason ?? "", new RegExp(`${leaderName} leads`));
    assert.match(leader.log, /"msg":"leading /);
    console.log(`      leader ${leaderName}, follower ${fs.leadership!.instance}`);
    await h.converged(v1, { service: "web", replicas: 3, timeoutMs: 60_000, daemon: leader });

    const v2 = h.push({ "web.yaml": webYaml("v2") }, "web v2");
    const t0 = Date.now();
    let maxRunning = 0;
    let samples = 0;
    let done = false;
    const converged = h.converged(v2, { service: "web", replicas: 3, timeoutMs: 60_000, daemon: leader, everyMs: 100 }).finally(() => (done = true));
    while (!done) {
      maxRunning = Math.max(maxRunning, running(await h.mains("web")).length);
      samples++;
      await sleep(100);
    }
    await converged;
    console.log(`      commit-to-converged with a follower beside: ${Date.now() - t0} ms; running web pods at most ${maxRunning} over ${samples} samples`);
    assert.ok(samples >= 5, `sampled during the rollout (${samples} samples)`);
    assert.ok(maxRunning <= 4, `never more than replicas + maxSurge = 4 running web pods (saw ${maxRunning})`);
    assert.ok(maxRunning >= 3);

    // The follower's passes may still be under way: give it a couple more before counting what it did.
    await sleep(2500);
    assert.equal(applyingLines(follower.log, v2).length, 0, "the follower applied nothing");
    assert.ok(applyingLines(leader.log, v2).length >= 1, "the leader applied the commit");
    const entries = await h.etcdJournal(lock, v2);
    assert.deepEqual(entries.filter((e) => e.result === "converged").length, 1, `one converged journal entry in etcd for the commit: ${JSON.stringify(entries.map((e) => e.result))}`);
    assert.deepEqual(running(await h.mains("web")).map((c) => c.Image).sort(), ["v2", "v2", "v2"].map(appImage));

    const observed = await follower.status();
    const web = observed.services.find((s) => s.name === "web");
    assert.deepEqual({ leader: observed.leader, ready: web?.ready, desired: web?.desired, hosts: web?.hosts }, { leader: false, ready: 3, desired: 3, hosts: ["h1", "h2", "h3"] }, "the follower observes the fleet for its status");
  });
});
