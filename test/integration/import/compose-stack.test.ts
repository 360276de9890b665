/**
 * Issue 19's last test: one stack imported by `berth import compose`, on the
 * bed's images, converges on the bed's three engines with `berth apply`.
 *
 * Every step is the real CLI as its own process, as a user runs it:
 * `berth import compose test/fixtures/compose-bed/compose.yaml --out` into a
 * fleet repository beside a Host file for the bed's engines, then
 * `berth validate`, `berth apply` and `berth plan --detailed-exitcode`. The
 * stack is a web (`deploy.replicas: 3`, a published port, a healthcheck,
 * `deploy.update_config`, `${VAR:-default}` from `.env`) and a worker
 * (`deploy.mode: global`, a `command`), so the checks read what the engines
 * run: the replicas and where, the interpolated environment, the published
 * port answering through berth's proxy on every host's address.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { engineClient } from "../../../testbed/engines.ts";
import { repoRoot, type BedLayout } from "../../../testbed/layout.ts";
import { useBed } from "../../support/bed.ts";
import { berth, getOnce, parseAnswer, replicas, tcpHostsYaml, TrafficRepo, type CliRun, type Replica } from "../traffic/traffic-fleet.ts";

const COMPOSE = "test/fixtures/compose-bed/compose.yaml";
/** What compose.yaml publishes for web (`${WEB_PORT:-18380}:8080`): no other test uses it. */
const PORT = 18380;

/**
 * The variables compose.yaml reads, cleared from the environment the import
 * runs in, so `.env` and the defaults decide them whatever the machine has
 * set; GREETING alone is set, to show the process environment wins over a
 * default as in Compose.
 */
const COMPOSE_VARIABLES = ["WEB_PORT", "LOG_LEVEL", "GREETING", "SHOP_REGION", "QUEUE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES", "COMPOSE_FILE"];

async function importInto(out: string): Promise<CliRun> {
  const saved = COMPOSE_VARIABLES.map((k) => [k, process.env[k]] as const);
  for (const k of COMPOSE_VARIABLES) delete process.env[k];
  process.env["GREETING"] = "from-the-environment";
  try {
    // berth() spawns with a copy of process.env taken now.
    return await berth(["import", "compose", COMPOSE, "--out", out]);
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

async function envOf(r: Replica): Promise<Record<string, string>> {
  const info = await engineClient(r.host).getContainer(r.id).inspect();
  return Object.fromEntries((info.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

describe("import compose: an imported stack converges on the bed's engines with berth apply (issue 19)", function () {
  this.timeout(40_000);
  let bed: BedLayout | undefined;
  let repo: TrafficRepo | undefined;
  let applied = false;

  before(async function () {
    bed = await useBed(this);
    repo = new TrafficRepo(bed, "import-compose");
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed" && repo?.log) console.log(`      berth output (last lines):\n${repo.log.trimEnd().split("\n").slice(-40).join("\n")}`);
  });

  after(async function () {
    this.timeout(60_000);
    await repo?.cleanup();
  });

  it("berth import compose writes one file per service, with the depends_on warning at its position", async function () {
    const out = path.join(repo!.dir, "services");
    const r = await importInto(out);
    repo!.log += `=== import (exit ${r.code})\n${r.stdout}${r.stderr}`;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = readFileSync(path.join(repoRoot, COMPOSE), "utf8").split("\n");
    const dependsOn = lines.findIndex((l) => l.trimStart().startsWith("depends_on:"));
    assert.ok(dependsOn >= 0, "compose.yaml has a depends_on");
    const col = lines[dependsOn]!.indexOf("depends_on") + 1;
    assert.match(r.stderr, new RegExp(`^${COMPOSE.replace(/\./g, "\\.")}:${dependsOn + 1}:${col}: warning: .*\\(at services\\.worker\\.depends_on\\)$`, "m"));
    assert.match(r.stderr, /2 services in .* \(1 warning\)/);
    const web = readFileSync(path.join(out, "web.yaml"), "utf8");
    const worker = readFileSync(path.join(out, "worker.yaml"), "utf8");
    assert.match(web, /^# yaml-language-server: \$schema=/);
    assert.match(worker, /^# yaml-language-server: \$schema=/);
    repo!.commit({ "hosts.yaml": tcpHostsYaml(bed!.hosts) }, "import compose: the shop stack, on the bed's three engines");
  });

  it("berth validate accepts the repository", async function () {
    const r = await berth(["validate", repo!.dir]);
    repo!.log += `=== validate (exit ${r.code})\n${r.stdout}${r.stderr}`;
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it("berth apply exits 0: 3 web replicas on distinct hosts, one worker on every host, with .env's values", async function () {
    await repo!.apply();
    applied = true;
    const web = (await replicas(bed!, repo!.owner, "web")).filter((r) => r.state === "running");
    assert.deepEqual(web.map((r) => r.host.name).sort(), ["h1", "h2", "h3"], "3 running web replicas, one per host (berth's distinct hosts)");
    const worker = (await replicas(bed!, repo!.owner, "worker")).filter((r) => r.state === "running");
    assert.deepEqual(worker.map((r) => r.host.name).sort(), ["h1", "h2", "h3"], "deploy.mode: global: one worker on every host");
    for (const r of web) {
      const env = await envOf(r);
      // LOG_LEVEL from .env over the default, GREETING from the environment, SHOP_REGION the default.
      assert.deepEqual({ LOG_LEVEL: env["LOG_LEVEL"], GREETING: env["GREETING"], SHOP_REGION: env["SHOP_REGION"] }, { LOG_LEVEL: "debug", GREETING: "from-the-environment", SHOP_REGION: "eu-west" }, `web on ${r.host.name}`);
    }
    for (const r of worker) {
      const env = await envOf(r);
      assert.deepEqual({ QUEUE: env["QUEUE"], LOG_LEVEL: env["LOG_LEVEL"] }, { QUEUE: "orders", LOG_LEVEL: "debug" }, `worker on ${r.host.name}`);
      const info = await engineClient(r.host).getContainer(r.id).inspect();
      assert.deepEqual(info.Config.Cmd, ["sh", "-c", 'trap "exit 0" TERM; while :; do sleep 1; done'], `worker on ${r.host.name} runs the Compose command`);
    }
  });

  it(`the published port answers app v1 on every host's address through berth's proxy`, async function () {
    assert.ok(applied, "berth apply ran");
    for (const h of bed!.hosts) {
      const url = `http://${h.ip}:${PORT}/`;
      const r = await getOnce(url);
      assert.equal(r.status, 200, `${url}: ${JSON.stringify(r.body)}`);
      assert.equal(parseAnswer(r.body)?.version, "v1", `${url}: ${JSON.stringify(r.body)}`);
    }
  });

  it("berth plan --detailed-exitcode exits 0: in sync", async function () {
    assert.ok(applied, "berth apply ran");
    const r = await berth(["plan", "--repo", repo!.dir, "--owner", repo!.owner, "--state-dir", repo!.stateDir, "--config", repo!.configFile, "--detailed-exitcode"]);
    repo!.log += `=== plan (exit ${r.code})\n${r.stdout}${r.stderr}`;
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
});
