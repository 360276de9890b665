/**
 * Fault matrix (issue 11), row "`app:late-crash`, no health block,
 * defaults": the image is healthy for 3 s, then exits 1. The crash window
 * (`rollout.monitor`, 5 s by default) catches it: the rollout fails, the old
 * pods (kept stopped, not removed) serve again, the result is
 * `rolled-back`, and the commit is held. A real `berth run` on the bed.
 */
import assert from "node:assert/strict";
import { serviceYaml } from "../../support/fleet-dir.ts";
import { sleep, until } from "../../support/daemon-harness.ts";
import { appImage, facts, faultDaemon, report, startConverged } from "./fault-fleet.ts";

describe("fault matrix: a pod that crashes 3 s after it started, with the defaults (issue 11)", function () {
  this.timeout(120_000);
  // No health block, no rollout block: the image's HEALTHCHECK, minReady 0, monitor 5 s.
  const web = (tag: string) => serviceYaml({ name: "web", image: appImage(tag), replicas: 3 });
  const f = faultDaemon("fault-late-crash");

  it("rolls back, the old pods serve again, and the commit is held", async function () {
    const h = f.daemon();
    const bed = f.bed();
    const { sha: v1, before } = await startConverged(h, bed, web("v1"));

    const t0 = Date.now();
    const bad = h.push({ "web.yaml": web("late-crash") }, "web on an image that crashes after 3 s");
    const s = await until("the commit held", async () => {
      const st = await h.status();
      return st.held.some((x) => x.commit === bad) ? st : undefined;
    }, 60_000);
    const heldMs = Date.now() - t0;
    const reason = s.held.find((x) => x.commit === bad)!.reason;
    assert.match(reason, /exited with code 1.*within the [0-9.]+ s monitor window/, reason);

    const [entry, ...more] = h.journal(bad);
    assert.equal(more.length, 0, "one journal entry for the commit");
    assert.deepEqual([entry!.result, entry!.services[0]?.result, entry!.services[0]?.code], ["rolled-back", "rolled-back", "pod-not-ready"]);

    // Held: a later pass neither tries it again nor touches the fleet.
    await sleep(3000);
    const after = facts(await h.mains("web"));
    assert.deepEqual(after.map((c) => [c.id, c.state, c.image]), before.map((c) => [c.id, c.state, c.image]), "the same old pods, running again; no late-crash container left");
    assert.deepEqual((await Promise.all((await h.mains("web")).map((c) => h.answer(c)))).map((a) => a.split(" ")[1]), ["v1", "v1", "v1"]);
    assert.equal(h.journal(bad).length, 1, "not tried again");
    assert.equal((await h.status()).source.commitApplied, v1);

    report("late-crash", { commitToHeldMs: heldMs, result: entry!.result, code: entry!.services[0]?.code, containersBefore: before.length, containersAfter: after.length });
  });
});
