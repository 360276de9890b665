/**
 * The state folder's local lock through the real CLI (issue 14): while a
 * `berth run` holds an owner and state folder, a second `berth run` and a
 * `berth apply` for them exit 1 naming its pid; once it is killed with -9
 * its stale lock is taken over by the next run. And with `--lock`, a
 * `berth apply` while a daemon leads is refused, naming the leader.
 */
import assert from "node:assert/strict";
import path from "node:path";
import type { BedLayout } from "../../../testbed/layout.ts";
import { useBed } from "../../support/bed.ts";
import { DaemonHarness, until, type DaemonProcess } from "../../support/daemon-harness.ts";
import { hostsYaml } from "../../support/fleet-dir.ts";
import { bedLock, lockArgs, logTails, webYaml } from "./lease-fleet.ts";

describe("one berth per owner and state folder; apply refused while another leads (issue 14)", function () {
  this.timeout(120_000);
  let bed: BedLayout;
  let h: DaemonHarness;
  let lock: string;
  let state: string;
  let v1: string;
  const instances: Record<string, DaemonProcess> = {};

  before(async function () {
    bed = await useBed(this);
    lock = bedLock(bed);
    h = new DaemonHarness(bed, { name: "lease-local-lock", interval: "1s" });
    h.init();
    state = path.join(h.work, "state-shared");
    v1 = h.push({ "hosts.yaml": hostsYaml(bed), "web.yaml": webYaml("v1") }, "web v1");
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(`      daemon logs (last lines):\n${logTails(instances)}`);
  });

  after(async function () {
    await h?.cleanup();
    await h?.removeEtcdKeys(lock);
  });

  const apply = (extra: readonly string[] = [], stateDir = state) => h.berth(["apply", "--repo", h.url, "--owner", h.owner, "--yes", ...extra], { stateDir });

  it("refuses a second run and an apply naming the first run's pid, and takes a killed run's lock over", async function () {
    instances.first = h.instance("first", { stateDir: state });
    await instances.first.listening;
    const pid = instances.first.pid;

    instances.second = h.instance("second", { stateDir: state });
    const t0 = Date.now();
    const code = await instances.second.exited;
    console.log(`      second run refused in ${Date.now() - t0} ms (exit ${code})`);
    assert.equal(code, 1);
    assert.match(instances.second.log, new RegExp(`berth run \\(pid ${pid}\\) has reconciled ${h.owner} with this state folder`));

    const refused = await apply();
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, new RegExp(`berth run \\(pid ${pid}\\) has reconciled ${h.owner} with this state folder`));
    assert.equal(instances.first.running, true, "the first run goes on");

    await instances.first.stop("SIGKILL");
    instances.third = h.instance("third", { stateDir: state });
    await instances.third.listening;
    await h.converged(v1, { service: "web", replicas: 3, timeoutMs: 60_000, daemon: instances.third });
    assert.equal((await instances.third.status()).leader, true, "the run that took the stale lock over leads");
    await instances.third.stop("SIGTERM");
  });

  it("with --lock, refuses an apply while a daemon leads, naming the leader, and changes nothing", async function () {
    instances.leader = h.instance("leader", { args: lockArgs(lock) });
    await instances.leader.listening;
    await until("the daemon leading", async () => ((await instances.leader!.status()).leader ? true : undefined), 15_000);
    const before = (await h.mains("web")).map((c) => c.Id).sort();

    const refused = await apply(lockArgs(lock).concat(["--instance", "operator"]), path.join(h.work, "state-apply"));
    console.log(`      apply --lock while "leader" leads: exit ${refused.code}: ${refused.stderr.trim().split("\n").pop()}`);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, new RegExp(`leader leads ${h.owner} since \\S+ \\(${lock}\\)`));
    assert.equal((await instances.leader.status()).leader, true, "the daemon still leads");
    assert.deepEqual((await h.mains("web")).map((c) => c.Id).sort(), before, "the refused apply touched no container");
  });
});
