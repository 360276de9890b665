/**
 * The CLI end to end from a private repository on the bed's git HTTP
 * server: `berth apply --repo URL`, then a pushed commit rolled out.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { removeOwnerContainers, useBed } from "../../support/bed.ts";
import { hostsYaml, serviceYaml } from "../../support/fleet-dir.ts";
import { engineClient } from "../../../testbed/engines.ts";
import { gitCredentials } from "../../../testbed/git-http.ts";
import { repoRoot, type BedLayout } from "../../../testbed/layout.ts";

function berth(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", path.join(repoRoot, "reconciler/cli/main.ts"), ...args], { cwd: repoRoot, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("berth plan/apply --repo on the bed's git server", function () {
  this.timeout(120_000);
  let bed: BedLayout;
  let work: string;
  let url: string;
  let env: NodeJS.ProcessEnv;
  const owner = `test-git-${process.pid}-${Date.now()}`;
  const g = (...args: string[]) => execFileSync("git", ["-c", "user.name=Deployer", "-c", "user.email=d@example.invalid", ...args], { cwd: path.join(work, "src"), encoding: "utf8" }).trim();

  const commitFleet = (image: string, message: string): string => {
    writeFileSync(path.join(work, "src", "hosts.yaml"), hostsYaml(bed));
    writeFileSync(path.join(work, "src", "web.yaml"), serviceYaml({ name: "web", image, replicas: 3 }));
    g("add", ".");
    g("commit", "-q", "-m", message);
    g("push", "-q", "origin", "main");
    return g("rev-parse", "HEAD");
  };

  before(async function () {
    bed = await useBed(this);
    work = mkdtempSync(path.join(os.tmpdir(), "berth-from-git-"));
    const name = `private/from-git-${process.pid}.git`;
    const bare = path.join(bed.git.reposDir, name);
    rmSync(bare, { recursive: true, force: true });
    execFileSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
    mkdirSync(path.join(work, "src"));
    execFileSync("git", ["init", "-q", "-b", "main", path.join(work, "src")]);
    g("remote", "add", "origin", bare);
    url = `${bed.git.url}/${name}`;
    const [cred] = gitCredentials(bed.git);
    env = { BERTH_GIT_USERNAME: cred!.username, BERTH_GIT_TOKEN: cred!.token, BERTH_STATE_DIR: path.join(work, "state"), NO_COLOR: "1" };
  });

  after(async function () {
    if (!bed) return;
    await removeOwnerContainers(bed, owner);
    rmSync(work, { recursive: true, force: true });
  });

  it("deploys a commit, plans in sync, then rolls out the next commit", async function () {
    const first = commitFleet("127.0.0.1:5000/berth/app:v1", "web v1");
    const apply1 = await berth(["apply", "--repo", url, "--owner", owner, "--yes"], env);
    assert.equal(apply1.code, 0, apply1.stdout + apply1.stderr);
    assert.match(apply1.stdout, /converged/);
    assert.ok(!apply1.stdout.includes(env.BERTH_GIT_TOKEN!) && !apply1.stderr.includes(env.BERTH_GIT_TOKEN!), "the token is never printed");

    const labels = await Promise.all(bed.hosts.map(async (h) => (await engineClient(h).listContainers({ filters: { label: [`berth.owner=${owner}`] } })).map((c) => c.Labels["berth.commit"])));
    assert.deepEqual(labels.flat(), [first, first, first]);

    const inSync = await berth(["plan", "--repo", url, "--owner", owner, "--detailed-exitcode"], env);
    assert.equal(inSync.code, 0, inSync.stdout + inSync.stderr);
    assert.match(inSync.stdout, /In sync/);

    const second = commitFleet("127.0.0.1:5000/berth/app:v2", "web v2");
    const pending = await berth(["plan", "--repo", url, "--owner", owner, "--detailed-exitcode", "--format", "markdown"], env);
    assert.equal(pending.code, 2, pending.stdout + pending.stderr);
    assert.match(pending.stdout, /\*\*3\*\* to replace/);
    assert.match(pending.stdout, /image 127\.0\.0\.1:5000\/berth\/app:v1 → 127\.0\.0\.1:5000\/berth\/app:v2/);

    const apply2 = await berth(["apply", "--repo", url, "--owner", owner, "--yes"], env);
    assert.equal(apply2.code, 0, apply2.stdout + apply2.stderr);
    const after = await Promise.all(bed.hosts.map(async (h) => (await engineClient(h).listContainers({ filters: { label: [`berth.owner=${owner}`] } })).map((c) => c.Labels["berth.commit"])));
    assert.deepEqual(after.flat(), [second, second, second]);
  });

  it("refuses a saved plan once the commit moved on", async function () {
    const planFile = path.join(work, "plan.json");
    const saved = await berth(["plan", "--repo", url, "--owner", owner, "--out", planFile], env);
    assert.equal(saved.code, 0, saved.stderr);
    commitFleet("127.0.0.1:5000/berth/app:v1", "back to v1");
    const apply = await berth(["apply", "--repo", url, "--owner", owner, "--plan", planFile], env);
    assert.equal(apply.code, 1);
    assert.match(apply.stderr, /refusing the saved plan .*made from commit [0-9a-f]{40}, and the source is now at [0-9a-f]{40}/);
  });

  it("refuses a file that is not a saved plan, saying what it expected", async function () {
    const notPlan = path.join(work, "not-a-plan.json");
    writeFileSync(notPlan, JSON.stringify({ hello: "world" }));
    const apply = await berth(["apply", "--repo", url, "--owner", owner, "--plan", notPlan], env);
    assert.equal(apply.code, 1);
    assert.match(apply.stderr, /not-a-plan\.json is not a berth plan \(expected apiVersion berth\/v1, kind Plan/);
    const missing = await berth(["apply", "--repo", url, "--owner", owner, "--plan", path.join(work, "nope.json")], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read the saved plan .*nope\.json: ENOENT/);
  });

  it("apply --json prints one rollout event a line, then the result", async function () {
    // The previous test committed v1 over the running v2: this apply rolls 3 replicas.
    const apply = await berth(["apply", "--repo", url, "--owner", owner, "--json", "--yes"], env);
    assert.equal(apply.code, 0, apply.stderr);
    const lines = apply.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; phase?: string; pod?: string; ok?: boolean; services?: { result: string }[] });
    const events = lines.slice(0, -1);
    const result = lines.at(-1)!;
    assert.ok(events.length > 0 && events.every((e) => e.type === "event"), apply.stdout);
    assert.equal(events.filter((e) => e.phase === "ready").length, 3);
    assert.ok(events.filter((e) => e.phase === "ready").every((e) => typeof e.pod === "string"));
    assert.deepEqual({ type: result.type, ok: result.ok, services: result.services!.map((s) => s.result) }, { type: "result", ok: true, services: ["converged"] });
    const again = await berth(["apply", "--repo", url, "--owner", owner, "--json", "--yes"], env);
    assert.deepEqual(JSON.parse(again.stdout) as unknown, { type: "result", ok: true, inSync: true, services: [], failedHosts: [], ms: 0 });
  });
});
