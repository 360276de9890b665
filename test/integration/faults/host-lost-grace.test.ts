/**
 * A host lost for longer than `hostLostAfter` (issue 16): an engine stopped
 * with the fleet converged. Until the grace runs out its slot stays
 * `unknown` and nothing is started anywhere (its pod may still run); after
 * it, the slot is started on another host; and when the engine returns, the
 * pod it held, now extra, is removed. Never two running pods in one slot
 * that berth can see, and never fewer than the two it can.
 *
 * The grace is 10 s here (operator config `timings.hostLostAfter`), the
 * default is 5 minutes.
 *
 * The host is lost the way a partition loses it: its dockerd is frozen
 * (SIGSTOP), so nothing it is asked is answered while its pod goes on
 * running under containerd; SIGCONT is the partition healing. Stopping the
 * engine would not do: dockerd stops its containers on the way down, and
 * berth, seeing the pod exit on a host that still answers, heals the slot
 * at once, as it should. The open event stream does not notice a silent
 * peer, so polls stay quiet and the daemon finds the host gone at its next
 * resync: 2 s here, 5 minutes by default (docs/scale.md).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sleep, until } from "../../support/daemon-harness.ts";
import { hostsYaml } from "../../support/fleet-dir.ts";
import { appImage, facts, faultDaemon, report, webYaml } from "./fault-fleet.ts";

const GRACE_MS = 10_000;
const work = mkdtempSync(path.join(os.tmpdir(), "berth-host-lost-grace-"));
const configFile = path.join(work, "operator.yaml");
writeFileSync(configFile, `apiVersion: berth/v1\nkind: OperatorConfig\ntimings:\n  hostLostAfter: ${GRACE_MS / 1000}s\n`);

describe("fault matrix: a host lost for longer than hostLostAfter (issue 16)", function () {
  this.timeout(180_000);
  /** Wakes the frozen engine; set while it is frozen, so the bed is whole whatever fails. */
  let thaw: (() => void) | undefined;
  // Registered before faultDaemon's hooks, so it runs before they put the bed back.
  after(() => thaw?.());
  const fleet = faultDaemon("host-lost-grace", { args: ["--config", configFile, "--resync", "2s"], teardown: async () => rmSync(work, { recursive: true, force: true }) });

  it("nothing moves within the grace; the slot moves after it; the returning host's extra pod is removed", async function () {
    const bed = fleet.bed();
    const h = fleet.daemon();
    // Two replicas on three hosts, at most one a host: the lost slot has a host to go to.
    const sha = h.push({ "hosts.yaml": hostsYaml(bed), "web.yaml": webYaml(appImage("v1")).replace("replicas: 3", "replicas: 2") }, "web v1, 2 replicas");
    await h.start();
    await h.converged(sha, { service: "web", replicas: 2, timeoutMs: 60_000 });
    const before = facts(await h.mains("web"));
    assert.equal(before.filter((c) => c.state === "running").length, 2, JSON.stringify(before));
    const victimFact = before[0]!;
    const victim = bed.hosts.find((x) => x.name === victimFact.host)!;
    const spare = bed.hosts.find((x) => !before.some((c) => c.host === x.name))!.name;
    const survivors = before.filter((c) => c.host !== victim.name);

    const dockerd = Number(readFileSync(victim.pidFile, "utf8").trim());
    process.kill(dockerd, "SIGSTOP");
    thaw = () => process.kill(dockerd, "SIGCONT");
    const stopped = Date.now();
    // Within the grace: the pod berth still sees is left alone and nothing is added.
    let samples = 0;
    while (Date.now() - stopped < GRACE_MS - 2_000) {
      const now = facts(await h.mains("web", [victim.name]));
      assert.deepEqual(now, survivors, `${Date.now() - stopped} ms after ${victim.name} stopped, within the ${GRACE_MS} ms grace: nothing changed `);
      samples++;
      await sleep(500);
    }

    // Healthy, not just running: of two pods in one slot berth keeps a ready one, so the returning host's pod
    // would rightly stay if the engine came back while the new one was still starting.
    const moved = await until(`slot ${victimFact.slot} running and healthy on ${spare}`, async () => {
      const list = await h.mains("web", [victim.name]);
      const healthy = list.some((c) => c.host.name === spare && c.Labels["berth.slot"] === victimFact.slot && c.State === "running" && /\(healthy\)/.test(c.Status));
      return healthy ? facts(list).filter((c) => c.state === "running") : undefined;
    }, 90_000);
    const movedMs = Date.now() - stopped;
    assert.ok(movedMs >= GRACE_MS, `moved ${movedMs} ms after the stop, not before the grace`);
    assert.deepEqual(moved.map((c) => c.slot).sort(), [...before.map((c) => c.slot)].sort(), `one running pod per slot where berth can see: ${JSON.stringify(moved)}`);

    thaw();
    thaw = undefined;
    const back = Date.now();
    const settled = await until(`${victim.name}'s extra pod removed`, async () => {
      const all = facts(await h.mains("web"));
      return all.every((c) => c.host !== victim.name || c.id !== victimFact.id) && all.filter((c) => c.state === "running").length === 2 ? all : undefined;
    }, 60_000);
    const removedMs = Date.now() - back;
    assert.deepEqual(settled.map((c) => c.slot).sort(), [...before.map((c) => c.slot)].sort(), "one pod per slot in the end");
    assert.ok(settled.every((c) => c.host !== victim.name), `the old pod on ${victim.name} is removed, not just stopped: ${JSON.stringify(settled)}`);
    report("host-lost-grace", { graceMs: GRACE_MS, victim: victim.name, movedTo: spare, samplesWithinGrace: samples, stopToMovedMs: movedMs, backToExtraRemovedMs: removedMs });
  });
});
