/**
 * The plan tells the truth on the bed's real engines, through the `berth`
 * command as a user runs it: a host that cannot be observed, a host that
 * left git, and a commit that would remove every pod.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { removeOwnerContainers, useBed } from "../../support/bed.ts";
import { FleetDir, hostsYaml, serviceYaml } from "../../support/fleet-dir.ts";
import { engineClient } from "../../../testbed/engines.ts";
import { repoRoot, type BedLayout } from "../../../testbed/layout.ts";

function berth(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", path.join(repoRoot, "reconciler/cli/main.ts"), ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: "1" } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Running main containers of `owner`, as `host slot`, sorted. */
async function running(bed: BedLayout, owner: string): Promise<string[]> {
  const lists = await Promise.all(
    bed.hosts.map(async (h) => (await engineClient(h).listContainers({ filters: { label: [`berth.owner=${owner}`, "berth.container=main"] } })).map((c) => `${h.name} ${c.Labels["berth.slot"]}`)),
  );
  return lists.flat().sort();
}

const WEB = { name: "web", replicas: 3, extra: "  placement:\n    distinctHosts: false" };

describe("plan truth on the bed", function () {
  this.timeout(180_000);
  let bed: BedLayout;
  let fleet: FleetDir;
  let state: string;
  const owner = `test-truth-${process.pid}-${Date.now()}`;
  const common = () => ["--owner", owner, "--state-dir", state];

  before(async function () {
    bed = await useBed(this);
    fleet = new FleetDir(bed);
  });
  beforeEach(async function () {
    state = mkdtempSync(path.join(os.tmpdir(), "berth-state-"));
    await removeOwnerContainers(bed, owner);
  });
  afterEach(() => rmSync(state, { recursive: true, force: true }));
  after(async () => {
    if (bed) await removeOwnerContainers(bed, owner);
    fleet?.remove();
  });

  it("an engine that cannot be observed makes the plan incomplete (exit 1), its slot unknown, and apply creates no second pod", async function () {
    const dir = fleet.write([WEB]);
    const first = await berth(["apply", dir, ...common(), "--yes"]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const before = await running(bed, owner);
    assert.equal(before.length, 3);
    const onH3 = before.filter((p) => p.startsWith("h3 ")).map((p) => p.split(" ")[1]);
    assert.equal(onH3.length, 1, `one replica on h3: ${before.join(", ")}`);

    // h3's Host document now points at a socket nobody answers on: the engine is out of sight, its pod still runs.
    writeFileSync(path.join(dir, "hosts.yaml"), hostsYaml({ ...bed, hosts: bed.hosts.map((h) => (h.name === "h3" ? { ...h, socket: path.join(state, "gone.sock") } : h)) }));
    const plan = await berth(["plan", dir, ...common(), "--detailed-exitcode"]);
    assert.equal(plan.code, 1, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /Incomplete: 1 of 3 hosts not observed \(h3: /);
    assert.doesNotMatch(plan.stdout, /in sync/i);
    assert.match(plan.stdout, new RegExp(`slot ${onH3[0]}: unknown`));
    assert.match(plan.stdout, /last seen on h3, which was not observed/);

    const json = JSON.parse((await berth(["plan", dir, ...common(), "--format", "json"])).stdout);
    assert.equal(json.summary.complete, false);
    assert.equal(json.summary.create, 0, "no create for the slot on the dark host");
    assert.equal(json.summary.unknown, 1);

    const apply = await berth(["apply", dir, ...common(), "--yes"]);
    assert.equal(apply.code, 1, apply.stdout + apply.stderr);
    assert.match(apply.stdout, /host h3: not reconciled/);
    assert.deepEqual(await running(bed, owner), before, "apply changed nothing: no second pod for the slot on h3");
  });

  it("a host removed from git has its pods moved off it and removed; the plan says why", async function () {
    const dir = fleet.write([WEB]);
    assert.equal((await berth(["apply", dir, ...common(), "--yes"])).code, 0);
    const onH3 = (await running(bed, owner)).filter((p) => p.startsWith("h3 "));
    assert.equal(onH3.length, 1);

    writeFileSync(path.join(dir, "hosts.yaml"), hostsYaml({ ...bed, hosts: bed.hosts.filter((h) => h.name !== "h3") }));
    const plan = await berth(["plan", dir, ...common(), "--detailed-exitcode"]);
    assert.equal(plan.code, 2, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /moved from h3 to h[12]: h3 is no longer a host in git/);

    const apply = await berth(["apply", dir, ...common(), "--yes"]);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    const after = await running(bed, owner);
    assert.equal(after.length, 3);
    assert.ok(after.every((p) => !p.startsWith("h3 ")), `nothing of this owner runs on h3: ${after.join(", ")}`);
    const all = await engineClient(bed.hosts.find((h) => h.name === "h3")!).listContainers({ all: true, filters: { label: [`berth.owner=${owner}`] } });
    assert.equal(all.length, 0, "the old pod on h3 is removed, not only stopped");

    const again = await berth(["plan", dir, ...common(), "--detailed-exitcode"]);
    assert.equal(again.code, 0, again.stdout + again.stderr);
  });

  it("without a record (a fresh CI runner), a host removed from git and a job's new schedule are found through the deployed commit", async function () {
    const repo = mkdtempSync(path.join(os.tmpdir(), "berth-truth-repo-"));
    const g = (...args: string[]) => execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.invalid", ...args], { cwd: repo, encoding: "utf8" });
    const job = (schedule: string) => `apiVersion: berth/v1\nkind: Job\nmetadata:\n  name: report\nspec:\n  image: 127.0.0.1:5000/berth/toolbox:v1\n  command: ["true"]\n  schedule: "${schedule}"\n`;
    try {
      g("init", "-q", "-b", "main");
      writeFileSync(path.join(repo, "hosts.yaml"), hostsYaml(bed));
      writeFileSync(path.join(repo, "web.yaml"), serviceYaml(WEB));
      writeFileSync(path.join(repo, "job.yaml"), job("0 3 * * *"));
      g("add", "-A");
      g("commit", "-q", "-m", "first");
      const applied = await berth(["apply", "--repo", repo, ...common(), "--yes"]);
      assert.equal(applied.code, 0, applied.stdout + applied.stderr);
      assert.equal((await running(bed, owner)).filter((p) => p.startsWith("h3 ")).length, 1);

      writeFileSync(path.join(repo, "hosts.yaml"), hostsYaml({ ...bed, hosts: bed.hosts.filter((h) => h.name !== "h3") }));
      writeFileSync(path.join(repo, "job.yaml"), job("*/15 * * * *"));
      g("commit", "-q", "-am", "h3 leaves; report every 15 minutes");
      const fresh = mkdtempSync(path.join(os.tmpdir(), "berth-state-fresh-"));
      try {
        const plan = await berth(["plan", "--repo", repo, "--owner", owner, "--state-dir", fresh, "--detailed-exitcode"]);
        assert.equal(plan.code, 2, plan.stdout + plan.stderr);
        assert.match(plan.stdout, /moved from h3 to h[12]: h3 is no longer a host in git/);
        assert.match(plan.stdout, /job report: update/);
        assert.match(plan.stdout, /schedule "0 3 \* \* \*" → "\*\/15 \* \* \* \*"/);
      } finally {
        rmSync(fresh, { recursive: true, force: true });
      }
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it("a commit that removes every pod is refused (exit 1, nothing changed) unless the Policy allows it", async function () {
    const dir = fleet.write([{ ...WEB, replicas: 2 }]);
    assert.equal((await berth(["apply", dir, ...common(), "--yes"])).code, 0);
    const before = await running(bed, owner);
    assert.equal(before.length, 2);

    fleet.write([]);
    const plan = await berth(["plan", dir, ...common(), "--detailed-exitcode"]);
    assert.equal(plan.code, 1, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /Refused: this commit would remove every pod berth runs for .* \(2 pods of 1 service: web\)/);
    const apply = await berth(["apply", dir, ...common(), "--yes"]);
    assert.equal(apply.code, 1, apply.stdout + apply.stderr);
    assert.match(apply.stdout, /refused, nothing was changed/);
    assert.deepEqual(await running(bed, owner), before);

    writeFileSync(path.join(dir, "policy.yaml"), "apiVersion: berth/v1\nkind: Policy\nmetadata:\n  name: policy\nspec:\n  allowEmpty: true\n");
    const allowed = await berth(["plan", dir, ...common(), "--detailed-exitcode"]);
    assert.equal(allowed.code, 2, allowed.stdout + allowed.stderr);
    assert.equal((await berth(["apply", dir, ...common(), "--yes"])).code, 0);
    assert.deepEqual(await running(bed, owner), []);
  });
});
