/**
 * Issue 11: `kill -9` while a new pod gated by berth's own HTTP probe is
 * starting. Its image has no HEALTHCHECK, so the engine reports no health
 * and, after the restart, the pod looked ready at once: the plan kept it and
 * stopped the healthy old pod before the new one had ever answered. Proven
 * here from the engines' own records — the old pod's stop (event stream)
 * against the moment the pod that serves in the end started answering
 * /healthz (its log, engine-timestamped) — with a real `berth run` process.
 */
import assert from "node:assert/strict";
import type Docker from "dockerode";
import { useBed } from "../../support/bed.ts";
import { DaemonHarness, until } from "../../support/daemon-harness.ts";
import { hostsYaml, serviceYaml } from "../../support/fleet-dir.ts";
import { engineClient } from "../../../testbed/engines.ts";
import type { BedLayout } from "../../../testbed/layout.ts";
import { recordStops } from "../../support/engine-stops.ts";

const PROBE = ["  health:", "    http:", "      path: /healthz", "      port: http", "  rollout:", "    progressDeadline: 40s", "    monitor: 1s"].join("\n");
const TOOLBOX = "127.0.0.1:5000/berth/toolbox:v1";
/**
 * v2 answers /healthz only after 8 s, and prints `serving` just before it
 * starts its server, so no probe can pass before that line; its image has no
 * HEALTHCHECK, so the engine reports no health.
 */
const SLOW_START = "trap 'exit 0' TERM; sleep 8 & wait $!; echo ok > /www/healthz; echo serving; httpd -f -p 8080 -h /www & wait";

/** This test's waits look every 100 ms (the harness's default is 150): the sooner the kill follows the v2 pod's start, the more of its 8 s are left. */
const LOOK = { everyMs: 100 } as const;

/** When the container printed `serving` (v2 answers /healthz from then on), by the engine's log timestamp; undefined before. */
async function servingSince(docker: Docker, id: string): Promise<number | undefined> {
  const out = (await docker.getContainer(id).logs({ stdout: true, stderr: true, timestamps: true })) as unknown as Buffer;
  const m = /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?)\d*Z serving/.exec(out.toString("latin1"));
  return m ? Date.parse(`${m[1]}Z`) : undefined;
}

describe("berth run: kill -9 while a berth-probed new pod is starting (issue 11)", function () {
  this.timeout(120_000);
  let bed: BedLayout;
  let d: DaemonHarness;

  const converged = (sha: string) => d.converged(sha, { service: "web", replicas: 1, timeoutMs: 60_000, ...LOOK });
  const webMains = () => d.mains("web");

  before(async function () {
    bed = await useBed(this);
    d = new DaemonHarness(bed, { name: "probe-restart", interval: "1s", resync: "30s" });
    d.init();
  });

  after(async function () {
    await d?.cleanup();
  });

  it("after the restart, no old pod of a slot stops before the pod that replaces it answered berth's probe", async function () {
    const v1 = d.push({ "hosts.yaml": hostsYaml(bed), "web.yaml": serviceYaml({ name: "web", replicas: 1, extra: PROBE }) }, "web v1, probed by berth");
    await d.start();
    await converged(v1);
    const oldMains = new Map((await webMains()).map((c) => [c.Id, c.Labels["berth.slot"]!]));
    assert.equal(oldMains.size, 1);

    const t0 = Date.now();
    const events = await recordStops(bed.hosts, d.owner, t0 - 1000);
    try {
      const args = `  command: [sh, -c]\n  args: [${JSON.stringify(SLOW_START)}]`;
      const v2 = d.push({ "web.yaml": serviceYaml({ name: "web", image: TOOLBOX, replicas: 1, extra: `${args}\n${PROBE}` }) }, "web v2: answers its probe after 8 s");
      const unfinished = await until("a running v2 pod on an engine", async () => (await webMains()).find((c) => c.Image === TOOLBOX && c.State === "running"), 30_000, LOOK);
      await d.stop("SIGKILL");
      const killedAt = Date.now();
      assert.equal(await servingSince(engineClient(unfinished.host), unfinished.Id), undefined, "killed before the new pod could answer its probe");
      await d.start();
      const restartedAt = Date.now();
      await converged(v2);

      const mains = await webMains();
      assert.deepEqual(mains.map((c) => [c.Labels["berth.slot"], c.Image, c.State]).sort(), [["0", TOOLBOX, "running"]], "web ends on v2 with exactly one pod for its slot");
      const at = (ms: number | undefined) => (ms === undefined ? "never" : `t0+${ms - t0} ms`);
      console.log(`      kill -9 at ${at(killedAt)}, restarted at ${at(restartedAt)}; the pod running at the kill (slot ${unfinished.Labels["berth.slot"]}) was ${mains.some((c) => c.Id === unfinished.Id) ? "kept" : "removed"}`);
      for (const survivor of mains) {
        const slot = survivor.Labels["berth.slot"]!;
        // Waited for: the pod kept after a restart may come to answer only later, and the failure says when.
        const serving = await until(`slot ${slot}'s v2 pod answering`, () => servingSince(engineClient(survivor.host), survivor.Id), 15_000, LOOK).catch(() => undefined);
        const old = [...events.stops.values()].filter((e) => oldMains.get(e.id) === slot);
        assert.equal(old.length, 1, `the old pod of slot ${slot} was stopped once (${old.length} stops seen)`);
        console.log(`      slot ${slot}: old pod stopped at ${at(old[0]!.at)}; its v2 pod answered /healthz from ${at(serving)}`);
        assert.ok(serving !== undefined && old[0]!.at >= serving, `slot ${slot}: the old pod stopped at ${at(old[0]!.at)}, before its new pod answered its probe (${at(serving)})`);
      }
    } finally {
      events.close();
    }
  });
});
