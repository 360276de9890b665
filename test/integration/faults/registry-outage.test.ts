/**
 * Fault matrix (issue 11), row "the registry stopped during a rollout": not
 * the commit's fault, so nothing changes, the pass is `waiting`, the commit
 * is not held, and once the registry answers again the daemon converges by
 * itself — no new commit, no webhook, and `--resync 5m` so a periodic
 * resync cannot be what does it.
 *
 * The commit's image is a tag no engine has pulled (an alias of app:v2 made
 * in the registry alone), so every engine must reach the registry for it:
 * berth skips the pull of an image the engine already has.
 */
import assert from "node:assert/strict";
import { sleep, until } from "../../support/daemon-harness.ts";
import { engineClient } from "../../../testbed/engines.ts";
import { pingRegistry, startRegistry, stopRegistry, tagInRegistry } from "../../../testbed/registry.ts";
import { appImage, convergedTo, facts, faultDaemon, report, startConverged, StatusWatch, webYaml } from "./fault-fleet.ts";

/** How long the registry stays down after the first `waiting` pass: long enough for the daemon to look again during the outage. */
const OUTAGE_AFTER_FIRST_PASS_MS = 5_000;
/** The contract: within ~30 s of the fault clearing, the daemon looks again by itself (the backoff's ceiling), plus a little slack. */
const LOOK_AGAIN_WITHIN_MS = 32_000;
/** That, plus the rollout itself. */
const CONVERGE_AFTER_CLEAR_MS = 45_000;

describe("fault matrix: the registry stopped during a rollout (issue 11)", function () {
  this.timeout(90_000);
  const tag = `outage-${process.pid}-${Date.now()}`;
  const image = appImage(tag);
  const f = faultDaemon("fault-registry", {
    setup: async (bed) => {
      await tagInRegistry(bed.registry, "berth/app", "v2", tag);
      const have = await Promise.all(bed.hosts.map((h) => engineClient(h).getImage(image).inspect().then(() => h.name, () => undefined)));
      assert.deepEqual(have.filter(Boolean), [], `no engine has ${image} yet`);
    },
    teardown: async (bed) => {
      // Untagging leaves app:v2 where an engine has it under its own tag; elsewhere the alias's image goes.
      await Promise.allSettled(bed.hosts.map((h) => engineClient(h).getImage(image).remove()));
    },
  });

  it("changes nothing and holds nothing while the registry is down, and converges once it is back, without a new commit", async function () {
    const h = f.daemon();
    const bed = f.bed();
    const { before } = await startConverged(h, bed, webYaml(appImage("v1")));
    assert.deepEqual(before.map((c) => [c.host, c.state]), [["h1", "running"], ["h2", "running"], ["h3", "running"]]);

    const tDown = Date.now();
    await stopRegistry(bed.registry);
    let sha = "";
    let watch: StatusWatch | undefined;
    let firstPassMs = 0;
    let during: ReturnType<typeof facts> = [];
    try {
      assert.equal(await pingRegistry(bed.registry), false, "the registry is down");
      sha = h.push({ "web.yaml": webYaml(image) }, `web on ${tag}`);
      watch = new StatusWatch(h, sha);
      const first = await until("a pass for the commit recorded in the journal", async () => h.journal(sha)[0], 30_000);
      firstPassMs = Date.now() - tDown;
      assert.equal(first.result, "waiting", `a registry outage is retried, not the commit's failure: ${JSON.stringify(first)}`);
      await sleep(OUTAGE_AFTER_FIRST_PASS_MS);
      const s = await h.status();
      assert.ok(!s.held.some((x) => x.commit === sha), `not held during the outage: ${JSON.stringify(s.held)}`);
      during = facts(await h.mains("web"));
      assert.deepEqual(during, before, "the v1 containers are the same ones, all running, and no container of the new commit exists");
      const results = h.journal(sha).map((e) => e.result);
      assert.ok(results.every((r) => r === "waiting"), `every pass during the outage is waiting: ${results.join(",")}`);
    } finally {
      await startRegistry(bed.registry);
    }
    const tUp = Date.now();
    const outageMs = tUp - tDown;
    const passesDuringOutage = h.journal(sha).length;

    await convergedTo(h, sha, CONVERGE_AFTER_CLEAR_MS);
    const clearedToConvergedMs = Date.now() - tUp;
    // The pass that converged began by itself within ~30 s of the registry answering.
    const converging = h.journal(sha).at(-1)!;
    const clearedToLookAgainMs = Date.parse(converging.at) - converging.ms - tUp;
    assert.ok(clearedToLookAgainMs <= LOOK_AGAIN_WITHIN_MS, `the daemon looked again ${clearedToLookAgainMs} ms after the registry answered (at most ${LOOK_AGAIN_WITHIN_MS}): ${JSON.stringify(converging)}`);
    await watch!.stop();
    assert.equal(watch!.everHeld, undefined, `the commit was never held (held for: ${watch!.everHeld})`);

    const mains = await h.mains("web");
    const after = facts(mains);
    assert.deepEqual(after.map((c) => [c.host, c.state, c.image, c.commit]), bed.hosts.map((x) => [x.name, "running", image, sha]), "one running pod of the commit per host, nothing left over");
    assert.deepEqual((await Promise.all(mains.map((c) => h.answer(c)))).map((a) => a.split(" ")[1]), ["v2", "v2", "v2"]);
    assert.ok(!after.some((c) => before.some((b) => b.id === c.id)), "every v1 container was replaced");

    // By itself: no new commit, and no pass but the daemon's own retries did it.
    const status = await h.status();
    assert.equal(h.head(), sha, "no new commit");
    assert.equal(status.source.commitSeen, sha);
    const journal = h.journal(sha);
    assert.equal(converging.result, "converged", JSON.stringify(journal));
    assert.ok(!journal.some((e) => e.trigger === "webhook"), "no webhook");

    report("registry-outage", {
      outageMs,
      registryStopToFirstPassMs: firstPassMs,
      passesDuringOutage,
      passResultsSeen: watch!.passResults.join(","),
      clearedToLookAgainMs,
      clearedToConvergedMs,
      convergedBy: converging.trigger,
      containersBefore: before.length,
      containersDuring: during.length,
      containersAfter: after.length,
      held: watch!.everHeld !== undefined,
    });
  });
});
