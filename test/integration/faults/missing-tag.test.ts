/**
 * Fault matrix (issue 11), row "a nonexistent tag": the commit's fault, so
 * nothing changes, the pass fails, and the commit is held with a reason
 * that names the image. A real `berth run` on the bed's engines.
 */
import assert from "node:assert/strict";
import { sleep, until } from "../../support/daemon-harness.ts";
import { appImage, facts, faultDaemon, report, startConverged, StatusWatch, webYaml } from "./fault-fleet.ts";

describe("fault matrix: a nonexistent tag (issue 11)", function () {
  this.timeout(90_000);
  const f = faultDaemon("fault-tag");

  it("changes nothing, fails the pass and holds the commit with a reason naming the image", async function () {
    const h = f.daemon();
    const bed = f.bed();
    const { sha: v1, before } = await startConverged(h, bed, webYaml(appImage("v1")));
    assert.deepEqual(before.map((c) => [c.host, c.state]), [["h1", "running"], ["h2", "running"], ["h3", "running"]]);

    const missing = appImage(`does-not-exist-${process.pid}-${Date.now()}`);
    const t0 = Date.now();
    const bad = h.push({ "web.yaml": webYaml(missing) }, "web on a tag that was never pushed");
    const watch = new StatusWatch(h, bad);
    const s = await until("the commit held", async () => {
      const st = await h.status();
      return st.held.some((x) => x.commit === bad) ? st : undefined;
    }, 30_000);
    const heldMs = Date.now() - t0;
    const reason = s.held.find((x) => x.commit === bad)!.reason;
    assert.ok(reason.includes(missing), `the held reason names the image ${missing}: ${reason}`);

    const entries = h.journal(bad);
    assert.equal(entries.length, 1, `one journal entry for the commit: ${JSON.stringify(entries)}`);
    assert.equal(entries[0]!.result, "failed", `the pass failed: ${JSON.stringify(entries[0])}`);

    // Held: later passes neither try it again nor touch the fleet.
    await sleep(3000);
    await watch.stop();
    const after = facts(await h.mains("web"));
    assert.deepEqual(after, before, "no container of web was created, stopped or removed");
    const later = await h.status();
    assert.ok(later.held.some((x) => x.commit === bad), "still held");
    assert.equal(later.source.commitApplied, v1, "the fleet stays at the last good commit");
    assert.equal(h.journal(bad).length, 1, "not tried again on later passes");
    assert.deepEqual((await Promise.all((await h.mains("web")).map((c) => h.answer(c)))).map((a) => a.split(" ")[1]), ["v1", "v1", "v1"]);

    report("missing-tag", { commitToHeldMs: heldMs, result: entries[0]!.result, passResultsSeen: watch.passResults.join(","), containersBefore: before.length, containersAfter: after.length, reason: reason.slice(0, 140) });
  });
});
