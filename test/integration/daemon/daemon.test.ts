/**
 * `berth run` end to end (issue 7): a real daemon process following a
 * private repository on the bed's git server, driving the 3 engines.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { useBed } from "../../support/bed.ts";
import { DaemonHarness, get, sleep, until } from "../../support/daemon-harness.ts";
import { hostsYaml, serviceYaml } from "../../support/fleet-dir.ts";
import { engineClient, startEngine, stopEngine } from "../../../testbed/engines.ts";
import type { BedLayout } from "../../../testbed/layout.ts";

const SECRET = "webhook-secret-for-tests";
const HEALTH = "  health:\n    http:\n      path: /healthz\n      port: http\n  rollout:\n    progressDeadline: 8s";
const JOB = [
  "apiVersion: berth/v1",
  "kind: Job",
  "metadata:",
  "  name: report",
  "spec:",
  "  image: 127.0.0.1:5000/berth/toolbox:v1",
  "  command: [sh, -c]",
  "  args: ['echo report-line-1; echo report-line-2; exit 3']",
  '  schedule: "*/3 * * * * *"',
  "  concurrency: forbid",
  "  timeout: 20s",
  "  historyLimit: 2",
  "",
].join("\n");

describe("berth run (the daemon) on the bed", function () {
  this.timeout(240_000);
  let bed: BedLayout;
  let d: DaemonHarness;

  const web = (image: string, extra = HEALTH) => serviceYaml({ name: "web", image: `127.0.0.1:5000/berth/app:${image}`, replicas: 3, extra });
  const converged = (sha: string) => d.converged(sha, { service: "web", replicas: 3, timeoutMs: 60_000 });
  const webMains = () => d.mains("web");
  const versions = async () => (await Promise.all((await webMains()).filter((c) => c.State === "running").map((c) => d.answer(c)))).map((b) => b.split(" ")[1]).sort();

  before(async function () {
    bed = await useBed(this);
    d = new DaemonHarness(bed, { name: "daemon", interval: "1s", resync: "30s", env: { BERTH_WEBHOOK_SECRET: SECRET } });
    d.init();
  });

  after(async function () {
    await d?.cleanup();
  });

  let v1: string;

  it("converges the first commit, and then a pushed commit (commit-to-converged measured)", async function () {
    v1 = d.push({ "hosts.yaml": hostsYaml(bed), "web.yaml": web("v1") }, "web v1");
    await d.start();
    const s1 = await converged(v1);
    assert.deepEqual(await versions(), ["v1", "v1", "v1"]);
    // Engine-assigned ports, as /status reports them, answer with the service.
    const endpoints = s1.services.find((x) => x.name === "web")!.endpoints;
    assert.deepEqual(endpoints.map((e) => e.slot), [0, 1, 2]);
    const answers = await Promise.all(endpoints.map((e) => get(`http://${e.ports[0]!.hostIp}:${e.ports[0]!.hostPort}/`)));
    assert.deepEqual(answers.map((b) => b.split(" ")[1]), ["v1", "v1", "v1"]);
    const t0 = Date.now();
    const v2 = d.push({ "web.yaml": web("v2") }, "web v2");
    await converged(v2);
    console.log(`      commit-to-converged (poll every 1 s, 3 replicas, start-first): ${Date.now() - t0} ms`);
    assert.deepEqual(await versions(), ["v2", "v2", "v2"]);
  });

  it("accepts a signed webhook and refuses an unsigned one", async function () {
    const body = JSON.stringify({ ref: "refs/heads/main" });
    const post = (sig?: string) =>
      fetch(`http://${d.listen}/hooks/git`, { method: "POST", body, headers: { "content-type": "application/json", ...(sig ? { "x-hub-signature-256": sig } : {}) } }).then((r) => r.status);
    assert.equal(await post(), 401);
    assert.equal(await post("sha256=" + "0".repeat(64)), 401);
    assert.equal(await post("sha256=" + createHmac("sha256", SECRET).update(body).digest("hex")), 202);
  });

  it("heals a container removed behind its back within seconds", async function () {
    const [victim] = await webMains();
    assert.ok(victim);
    const t0 = Date.now();
    await engineClient(victim.host).getContainer(victim.Id).remove({ force: true });
    await until("web back to 3 healthy replicas without the removed container", async () => {
      const s = await d.status();
      const mains = await webMains();
      return !mains.some((c) => c.Id === victim.Id) && mains.filter((c) => c.State === "running").length === 3 && s.services.find((x) => x.name === "web")?.ready === 3 ? true : undefined;
    }, 20_000);
    const ms = Date.now() - t0;
    console.log(`      removed-to-healed: ${ms} ms`);
    assert.ok(ms < 20_000);
    const metrics = await get(`http://${d.listen}/metrics`);
    assert.match(metrics, /berth_drift_heals_total\{service="web"\} [1-9]/);
  });

  it("reports an engine that went down while the others keep serving, and brings its replica back when it returns", async function () {
    const h3 = bed.hosts[2]!;
    const applied = (await d.status()).source.commitApplied!;
    const onH3 = (await webMains()).filter((c) => c.host.name === "h3").map((c) => c.Id);
    await stopEngine(h3);
    try {
      const down = await until("h3 reported unreachable", async () => {
        const s = await d.status();
        return s.hosts.find((h) => h.name === "h3")?.reachable === false ? s : undefined;
      }, 30_000);
      assert.match(down.hosts.find((h) => h.name === "h3")!.error ?? "", /h3.*cannot be reached/);
      const w = down.services.find((x) => x.name === "web")!;
      assert.deepEqual({ ready: w.ready, hosts: w.hosts }, { ready: 2, hosts: ["h1", "h2"] }, "h1 and h2 keep their replicas");
    } finally {
      await startEngine(h3);
    }
    const t0 = Date.now();
    const back = await converged(applied);
    console.log(`      engine-back-to-converged: ${Date.now() - t0} ms`);
    assert.ok(back.hosts.every((h) => h.reachable));
    assert.deepEqual(back.services.find((x) => x.name === "web")!.hosts, ["h1", "h2", "h3"]);
    // The engine stopped its containers on the way down: berth recreated the pod and removed the exited one.
    const now = (await webMains()).filter((c) => c.host.name === "h3");
    assert.deepEqual(now.map((c) => c.State), ["running"]);
    assert.ok(!onH3.includes(now[0]!.Id));
  });

  it("returns to the previous version on git revert", async function () {
    await converged(d.revert());
    assert.deepEqual(await versions(), ["v1", "v1", "v1"]);
  });

  it("leaves the fleet untouched on bad YAML and shows the diagnostic with file:line", async function () {
    const before = (await webMains()).map((c) => c.Id).sort();
    const bad = d.push({ "web.yaml": web("v2").replace("replicas: 3", "replicas: [3") }, "broken yaml");
    const s = await until("the bad commit's diagnostics", async () => {
      const st = await d.status();
      return st.source.commitSeen === bad && st.diagnostics.length > 0 ? st : undefined;
    }, 20_000);
    assert.match(s.diagnostics[0]!, /^web\.yaml:\d+:\d+: error: /);
    assert.notEqual(s.source.commitApplied, bad);
    await sleep(2500);
    assert.deepEqual((await webMains()).map((c) => c.Id).sort(), before);
    assert.deepEqual(await versions(), ["v1", "v1", "v1"]);
  });

  it("rolls back a failing image, holds the commit and says why", async function () {
    const failing = d.push({ "web.yaml": web("broken") }, "web broken");
    const s = await until("the failing commit held", async () => {
      const st = await d.status();
      return st.held.some((h) => h.commit === failing) ? st : undefined;
    }, 60_000);
    const w = s.services.find((x) => x.name === "web")!;
    assert.equal(w.lastResult, "rolled-back");
    assert.match(s.held.find((h) => h.commit === failing)!.reason, /did not become ready/);
    assert.deepEqual(await versions(), ["v1", "v1", "v1"]);
    // Held: later passes do not try it again.
    const ids = (await webMains()).map((c) => c.Id).sort();
    await sleep(3000);
    assert.deepEqual((await webMains()).map((c) => c.Id).sort(), ids);
    // Guards the bug where held commits lived only in memory: after SIGTERM and after kill -9, the restarted daemon rolled the held commit out again.
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      await d.stop(signal);
      await d.start();
      const again = await until(`the held commit still held after ${signal} and a restart`, async () => {
        const st = await d.status();
        return st.lastPass && st.held.some((h) => h.commit === failing) ? st : undefined;
      }, 30_000);
      assert.equal(again.source.commitApplied, s.source.commitApplied, "the last good commit is known again");
      await sleep(2500);
      const mains = await webMains();
      assert.deepEqual(mains.map((c) => c.Id).sort(), ids, `no pod of the held commit was created after ${signal}`);
      assert.ok(mains.every((c) => c.Labels["berth.commit"] !== failing));
    }
  });

  it("runs a job on its schedule and records its exit code and output", async function () {
    d.push({ "web.yaml": web("v1"), "job.yaml": JOB }, "add the report job");
    const run = await until("a finished run of the report job", async () => (await d.status()).jobs.find((j) => j.name === "report" && j.lastRun)?.lastRun, 30_000);
    assert.equal(run.result, "failed");
    assert.equal(run.exitCode, 3);
    assert.match(run.output ?? "", /report-line-1\nreport-line-2/);
    const metrics = await get(`http://${d.listen}/metrics`);
    assert.match(metrics, /berth_job_runs_total\{job="report",result="failed"\} [1-9]/);
  });

  it("converges after kill -9 mid-rollout, with nothing duplicated or lost", async function () {
    const v2 = d.push({ "web.yaml": web("v2", `${HEALTH}\n  rollout:\n    minReady: 2s`.replace("  rollout:\n    progressDeadline: 8s\n", "")), "job.yaml": JOB }, "web v2, slowly");
    await until("a v2 pod on an engine", async () => ((await webMains()).some((c) => c.Image.endsWith(":v2")) ? true : undefined), 30_000);
    assert.equal(await d.stop("SIGKILL"), null);
    await d.start();
    await converged(v2);
    const mains = await webMains();
    const running = mains.filter((c) => c.State === "running");
    assert.equal(running.length, 3, "exactly 3 running web pods");
    assert.equal(mains.length, 3, "no stopped leftovers");
    assert.deepEqual(running.map((c) => c.Labels["berth.slot"]).sort(), ["0", "1", "2"]);
    assert.deepEqual(await versions(), ["v2", "v2", "v2"]);
  });

  it("on SIGTERM mid-rollout finishes the step under way and exits 0; the next start finishes the rollout", async function () {
    const slow = `${HEALTH}\n  rollout:\n    minReady: 2s`.replace("  rollout:\n    progressDeadline: 8s\n", "");
    const v1 = d.push({ "web.yaml": web("v1", slow), "job.yaml": JOB }, "web back to v1, slowly");
    await until("a v1 pod on an engine", async () => ((await webMains()).some((c) => c.Image.endsWith(":v1")) ? true : undefined), 30_000);
    const t0 = Date.now();
    assert.equal(await d.stop("SIGTERM"), 0);
    const took = Date.now() - t0;
    assert.ok(took < 8_000, `stopped after the step under way, not the whole rollout (${took} ms)`);
    const mains = await webMains();
    assert.deepEqual(mains.map((c) => c.State), ["running", "running", "running"], "3 running pods, nothing left stopped");
    const mixed = await versions();
    assert.ok(mixed.includes("v1") && mixed.includes("v2"), `part done, part left for the next start: ${mixed.join(",")}`);

    await d.start();
    await converged(v1);
    assert.deepEqual(await versions(), ["v1", "v1", "v1"]);
    assert.equal((await webMains()).length, 3);
  });

  it("stops on SIGTERM and exits 0; berth history shows the deployments", async function () {
    assert.equal(await d.stop("SIGTERM"), 0);
    const out = d.history();
    assert.match(out, /web v1\s+converged|web v1\s+in-sync/);
    assert.match(out, /Dana Deployer/);
    assert.match(out, /web broken\s+rolled-back/);
    assert.match(out, /broken yaml\s+invalid/);
    assert.match(out, /web back to v1, slowly\s+interrupted/);
  });
});
