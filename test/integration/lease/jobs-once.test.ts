/**
 * A scheduled Job with two instances running (issue 14): each tick of its
 * schedule runs once across them — by the leader, claimed in etcd — never
 * twice and never skipped. Counted on the engines (every run is a
 * container, labelled berth.job, kept by a high historyLimit so none is
 * pruned while counting) and against the ticks claimed in etcd.
 */
import assert from "node:assert/strict";
import { engineClient } from "../../../testbed/engines.ts";
import type { BedLayout } from "../../../testbed/layout.ts";
import { useBed } from "../../support/bed.ts";
import { DaemonHarness, sleep, until, type DaemonProcess } from "../../support/daemon-harness.ts";
import { hostsYaml } from "../../support/fleet-dir.ts";
import { bedLock, lockArgs, logTails, oneLeader } from "./lease-fleet.ts";

const PERIOD_S = 2;
const TICKS = 5;
const JOB = [
  "apiVersion: berth/v1",
  "kind: Job",
  "metadata:",
  "  name: tick",
  "spec:",
  "  image: 127.0.0.1:5000/berth/toolbox:v1",
  "  command: [sh, -c]",
  // Shorter than the period: forbid never has a reason to skip a tick.
  "  args: ['sleep 0.5; echo tick-done']",
  `  schedule: "*/${PERIOD_S} * * * * *"`,
  "  concurrency: forbid",
  "  timeout: 10s",
  // Far above the runs counted: none is pruned under the count.
  "  historyLimit: 100",
  "",
].join("\n");

describe("a scheduled job with two instances runs once per tick (issue 14)", function () {
  this.timeout(90_000);
  let bed: BedLayout;
  let h: DaemonHarness;
  let lock: string;
  const instances: Record<string, DaemonProcess> = {};

  before(async function () {
    bed = await useBed(this);
    lock = bedLock(bed);
    h = new DaemonHarness(bed, { name: "lease-jobs", interval: "1s", args: lockArgs(lock) });
    h.init();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(`      daemon logs (last lines):\n${logTails(instances)}`);
  });

  after(async function () {
    await h?.cleanup();
    await h?.removeEtcdKeys(lock);
  });

  const jobContainers = async () =>
    (
      await Promise.all(
        bed.hosts.map(async (host) =>
          (await engineClient(host).listContainers({ all: true, filters: { label: [`berth.owner=${h.owner}`, "berth.job=tick", "berth.container=main"] } })).map((c) => ({ host: host.name, id: c.Id, created: c.Created, state: c.State })),
        ),
      )
    ).flat();

  it(`over ${TICKS} ticks every tick is run exactly once, by one instance`, async function () {
    h.push({ "hosts.yaml": hostsYaml(bed), "jobs.yaml": JOB }, `job tick every ${PERIOD_S} s`);
    instances.a = h.instance("a");
    instances.b = h.instance("b");
    await Promise.all([instances.a.listening, instances.b.listening]);
    const { leader, followers } = await oneLeader([instances.a, instances.b], 15_000);
    const follower = followers[0]!;

    await until("the first run's container", async () => ((await jobContainers()).length > 0 ? true : undefined), 30_000, { everyMs: 100 });
    // Counted from the first tick seen until TICKS ticks later, plus the time a run takes to be created.
    const first = Math.min(...(await jobContainers()).map((c) => c.created));
    const last = first + (TICKS - 1) * PERIOD_S;
    await sleep(Math.max(0, (last + 1) * 1000 - Date.now()) + 1500);

    const runs = (await jobContainers()).filter((c) => c.created <= last + 1).sort((a, b) => a.created - b.created);
    const perSecond = new Map<number, number>();
    for (const r of runs) perSecond.set(r.created, (perSecond.get(r.created) ?? 0) + 1);
    const claims = Object.keys(await h.etcdKeys(lock, "runs/tick/")).map((k) => Number(k.split("/").pop()) / 1000).filter((t) => t >= first - 1 && t <= last);
    const finished = (d: DaemonProcess) => d.log.split("\n").filter((l) => l.includes('"msg":"job run finished"') && l.includes('"job":"tick"')).length;
    console.log(`      ${runs.length} runs over ${TICKS} ticks, created at seconds ${runs.map((r) => r.created - first).join(", ")} (from the first); claimed ticks in etcd: ${claims.length}; finished runs logged by the leader ${finished(leader)}, by the follower ${finished(follower)}`);

    assert.deepEqual([...perSecond].filter(([, n]) => n > 1), [], "no second with two runs");
    assert.equal(runs.length, TICKS, `one run per tick over ${TICKS} ticks`);
    const gaps = runs.slice(1).map((r, i) => r.created - runs[i]!.created);
    assert.ok(gaps.every((g) => g >= PERIOD_S - 1 && g <= PERIOD_S + 1), `runs one period apart: ${gaps.join(", ")} s`);
    assert.equal(claims.length, TICKS, `each tick claimed once in etcd: ${claims.join(", ")}`);
    assert.equal(finished(follower), 0, "the follower ran nothing");
  });
});
