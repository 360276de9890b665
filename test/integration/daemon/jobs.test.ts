/**
 * The job runner on real engines, each run started directly (the cron
 * trigger itself is covered by the daemon test): a timeout stops the run and
 * marks it failed; forbid, allow and replace; finished runs beyond the
 * history limit are removed.
 */
import { TEST_OPERATOR } from "../../support/operator.ts";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { loadFleet } from "../../../reconciler/load/load-fleet.ts";
import { readRepoDir } from "../../../reconciler/load/read-dir.ts";
import { JobRunner } from "../../../reconciler/loop/jobs.ts";
import { createMetrics, type Metrics } from "../../../reconciler/loop/metrics.ts";
import type { DaemonStatus } from "../../../reconciler/loop/status.ts";
import { connectHosts } from "../../../reconciler/pipeline/connect-hosts.ts";
import { engineClient } from "../../../testbed/engines.ts";
import type { BedLayout } from "../../../testbed/layout.ts";
import { removeOwnerContainers, useBed } from "../../support/bed.ts";
import { hostsYaml } from "../../support/fleet-dir.ts";

type LastRun = NonNullable<DaemonStatus["jobs"][number]["lastRun"]>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function jobYaml(name: string, script: string, spec: Record<string, string>): string {
  return [
    "apiVersion: berth/v1",
    "kind: Job",
    "metadata:",
    `  name: ${name}`,
    "spec:",
    "  image: 127.0.0.1:5000/berth/toolbox:v1",
    "  command: [sh, -c]",
    `  args: [${JSON.stringify(script)}]`,
    "  stopGracePeriod: 2s",
    ...Object.entries(spec).map(([k, v]) => `  ${k}: ${v}`),
    "",
  ].join("\n");
}

describe("jobs on the bed: timeout, concurrency, history", function () {
  this.timeout(120_000);
  const owner = `test-jobs-${process.pid}-${Date.now()}`;
  let bed: BedLayout;
  let work: string;
  let runner: JobRunner;
  let metrics: Metrics;
  let makeRunner: () => { runner: JobRunner; metrics: Metrics };

  /** A trap makes the shell (PID 1) stop on SIGTERM, as a well-behaved job does. */
  const JOBS = [
    jobYaml("slow", "trap 'exit 143' TERM; sleep 30 & wait", { timeout: "1s" }),
    jobYaml("single", "trap 'exit 143' TERM; sleep 2 & wait; echo single-done", { concurrency: "forbid" }),
    jobYaml("newest", "trap 'exit 143' TERM; sleep 30 & wait", { concurrency: "replace", timeout: "3s" }),
    jobYaml("parallel", "trap 'exit 143' TERM; sleep 2 & wait", { concurrency: "allow" }),
    jobYaml("brief", "echo brief-$$", { historyLimit: "2" }),
  ].join("---\n");

  before(async function () {
    bed = await useBed(this);
    work = mkdtempSync(path.join(os.tmpdir(), "berth-jobs-"));
    mkdirSync(path.join(work, "repo"));
    writeFileSync(path.join(work, "repo", "hosts.yaml"), hostsYaml(bed));
    writeFileSync(path.join(work, "repo", "jobs.yaml"), JOBS);
    const loaded = loadFleet(await readRepoDir(path.join(work, "repo")));
    assert.ok(loaded.ok, JSON.stringify(loaded));
    const { hosts } = connectHosts(loaded.fleet.hosts);
    makeRunner = () => {
      const m = createMetrics();
      const r = new JobRunner({ secretRules: TEST_OPERATOR.config.secrets, owner, reconciler: { fleet: loaded.fleet, commit: "c0ffee", hostMap: hosts }, log: pino({ level: "silent" }), metrics: m, seed: 1 });
      r.sync();
      return { runner: r, metrics: m };
    };
    ({ runner, metrics } = makeRunner());
  });

  after(async function () {
    runner?.stop();
    if (bed) await removeOwnerContainers(bed, owner);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const lastRun = (name: string): LastRun | undefined => runner.status().find((j) => j.name === name)?.lastRun;
  const runs = async (job: string, result: string): Promise<number> => (await metrics.jobRuns.get()).values.find((v) => v.labels.job === job && v.labels.result === result)?.value ?? 0;
  const jobContainers = async (job: string) =>
    (
      await Promise.all(
        bed.hosts.map(async (h) =>
          (await engineClient(h).listContainers({ all: true, filters: { label: [`berth.owner=${owner}`, `berth.job=${job}`, "berth.container=main"] } })).map((c) => ({ ...c, inspect: () => engineClient(h).getContainer(c.Id).inspect() })),
        ),
      )
    ).flat();

  it("a run past its timeout is stopped and marked failed, with the reason", async function () {
    const t0 = Date.now();
    await runner.run("slow");
    const took = Date.now() - t0;
    const run = lastRun("slow")!;
    assert.equal(run.result, "failed");
    assert.match(run.reason ?? "", /timed out after 1000 ms and was stopped/);
    assert.ok(took < 8000, `stopped promptly (${took} ms)`);
    const [c] = await jobContainers("slow");
    assert.equal(c?.State, "exited");
    assert.equal(c?.Labels["berth.commit"], "c0ffee", "job pods carry the commit they came from");
  });

  it("forbid: a run due while the previous one runs is skipped", async function () {
    const first = runner.run("single");
    await sleep(500);
    await runner.run("single");
    assert.equal(await runs("single", "skipped"), 1);
    await first;
    assert.deepEqual({ result: lastRun("single")?.result, exitCode: lastRun("single")?.exitCode, output: lastRun("single")?.output }, { result: "succeeded", exitCode: 0, output: "single-done" });
    assert.equal((await jobContainers("single")).length, 1, "only one run was started");
  });

  it("a run still going from before a restart counts: berth stopping leaves it running, and the next berth's forbid skips", async function () {
    const before = makeRunner();
    const first = before.runner.run("single");
    await sleep(700);
    before.runner.stop();
    await first;
    const [c] = (await jobContainers("single")).filter((x) => x.State === "running");
    assert.ok(c, "the run goes on on its engine after berth stopped");
    const after = makeRunner();
    await after.runner.run("single");
    assert.equal((await after.metrics.jobRuns.get()).values.find((v) => v.labels.result === "skipped")?.value, 1);
    after.runner.stop();
  });

  it("replace: a new run stops the one still going", async function () {
    const first = runner.run("newest");
    await sleep(1500);
    const second = runner.run("newest");
    await first;
    assert.equal(await runs("newest", "replaced"), 1);
    await second;
    const containers = await jobContainers("newest");
    assert.equal(containers.length, 2);
    assert.ok(containers.every((c) => c.State === "exited"));
  });

  it("allow: runs overlap", async function () {
    await Promise.all([runner.run("parallel"), sleep(300).then(() => runner.run("parallel"))]);
    assert.equal(await runs("parallel", "succeeded"), 2);
    const [a, b] = await Promise.all((await jobContainers("parallel")).map((c) => c.inspect()));
    assert.ok(a && b, "both runs' containers are kept (history limit 10)");
    assert.ok(Date.parse(a.State.StartedAt) < Date.parse(b.State.FinishedAt) && Date.parse(b.State.StartedAt) < Date.parse(a.State.FinishedAt), "the two runs overlapped in time");
  });

  it("finished runs beyond the history limit are removed, oldest first", async function () {
    for (let i = 0; i < 4; i++) await runner.run("brief");
    const left = await jobContainers("brief");
    assert.equal(left.length, 2, "historyLimit: 2");
    assert.equal(await runs("brief", "succeeded"), 4);
    assert.match(lastRun("brief")?.output ?? "", /^brief-\d+$/);
  });
});
