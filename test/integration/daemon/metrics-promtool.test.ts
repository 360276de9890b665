/**
 * `/metrics` of a real `berth run` on the bed (issue 17): it passes
 * `promtool check metrics` (Debian's prometheus package) with no lint
 * problem, and carries the series dashboards look for — per host
 * `berth_host_up`, per service ready and desired replicas, rollouts by
 * result, build info, and the standard unprefixed `process_*` and
 * `nodejs_*`. Without promtool the test is pending here and fails with
 * CI=true, like a missing engine.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { useBed } from "../../support/bed.ts";
import { missingPart } from "../../support/missing-part.ts";
import { DaemonHarness, get, until } from "../../support/daemon-harness.ts";
import { hostsYaml, serviceYaml } from "../../support/fleet-dir.ts";
import { repoRoot, type BedLayout } from "../../../testbed/layout.ts";

const PROMTOOL = process.env.BERTH_PROMTOOL ?? "/usr/bin/promtool";
/** Given to the daemon as its build's commit, so the test knows what build_info must say. */
const COMMIT = "0123456789abcdef0123456789abcdef01234567";

/** What promtool says of `text`: its exit code and everything it printed (lint problems go to stderr). */
function promtoolCheck(text: string): { code: number | null; output: string } {
  const r = spawnSync(PROMTOOL, ["check", "metrics"], { input: text, encoding: "utf8" });
  if (r.error) throw r.error;
  return { code: r.status, output: (r.stdout + r.stderr).trim() };
}

/** The sample lines of `name` (exactly that name, any labels), as `{labels} value` strings. */
function samples(text: string, name: string): string[] {
  return text.split("\n").flatMap((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `) ? [l.slice(name.length)] : []));
}

describe("/metrics of berth run on the bed, checked by promtool", function () {
  this.timeout(180_000);
  let bed: BedLayout;
  let d: DaemonHarness;

  before(async function () {
    if (!existsSync(PROMTOOL)) {
      missingPart(this, "the promtool test", `${PROMTOOL} is missing: install Debian's prometheus package (apt-get install -y --no-install-recommends prometheus)`);
    }
    bed = await useBed(this);
    d = new DaemonHarness(bed, { name: "metrics", interval: "1s", env: { BERTH_COMMIT: COMMIT } });
    d.init();
  });

  after(async function () {
    await d?.cleanup();
  });

  it("passes promtool check metrics, with per-host, per-service, rollout, build and process series", async function () {
    const v1 = d.push({ "hosts.yaml": hostsYaml(bed), "web.yaml": serviceYaml({ name: "web", replicas: 2 }) }, "web, 2 replicas");
    await d.start();
    await d.converged(v1, { service: "web", replicas: 2, timeoutMs: 60_000 });
    // A host in git whose engine is not there: observed as down, and the others go on.
    const ghost = `---\napiVersion: berth/v1\nkind: Host\nmetadata:\n  name: h9\nspec:\n  endpoint: unix://${path.join(d.work, "no-engine.sock")}\n`;
    d.push({ "hosts.yaml": hostsYaml(bed, ghost) }, "h9 joins, with no engine");
    await until("h9 reported unreachable", async () => ((await d.status()).hosts.find((h) => h.name === "h9")?.reachable === false ? true : undefined), 30_000);

    const text = await get(`http://${d.listen}/metrics`);
    const status = await d.status();
    const check = promtoolCheck(text);
    assert.deepEqual(check, { code: 0, output: "" }, `promtool check metrics on:\n${text}`);
    console.log(`      promtool check metrics: exit ${check.code}, no lint output, on ${text.split("\n").filter((l) => l && !l.startsWith("#")).length} samples`);

    assert.deepEqual(samples(text, "berth_host_up").sort(), ['{host="h1"} 1', '{host="h2"} 1', '{host="h3"} 1', '{host="h9"} 0']);
    const web = status.services.find((s) => s.name === "web")!;
    assert.deepEqual([samples(text, "berth_service_replicas_desired"), samples(text, "berth_service_replicas_ready")], [[`{service="web"} ${web.desired}`], [`{service="web"} ${web.ready}`]], "as /status counts them");
    assert.equal(web.ready, 2);
    // The first commit rolled web out; the second changed no pod of it, so it counted no rollout.
    const journalled = d.journal(v1).flatMap((e) => e.services.filter((s) => s.name === "web").map((s) => s.result));
    assert.deepEqual(journalled, ["converged"]);
    assert.deepEqual(samples(text, "berth_rollouts_total"), ['{service="web",result="converged"} 1']);
    const version = (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
    assert.deepEqual(samples(text, "berth_build_info"), [`{version="${version}",commit="${COMMIT}"} 1`]);
    assert.deepEqual(samples(text, "berth_leader"), [" 1"]);
    for (const name of ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds", "nodejs_heap_size_used_bytes", "nodejs_eventloop_lag_seconds", "nodejs_external_memory_bytes"]) {
      assert.ok(samples(text, name).length > 0, `${name} is served`);
    }
    assert.match(samples(text, "nodejs_version_info")[0] ?? "", new RegExp(`version="${process.version}"`));
    assert.doesNotMatch(text, /^(# \w+ )?berth_process_/m, "the standard names, without berth's old prefix");
    assert.doesNotMatch(text, /^(# \w+ )?berth_hosts_(up|down)/m, "the fleet-wide counts gave way to berth_host_up");
  });
});
