/**
 * `examples-repo/` is the fleet users copy and the demo runs: it must
 * validate, point editors at the schemas, and match the test bed.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import { parse, parseAllDocuments } from "yaml";
import { loadFleet } from "../../../reconciler/load/load-fleet.ts";
import { readRepoDir } from "../../../reconciler/load/read-dir.ts";
import { documentValidators } from "../../../reconciler/load/schema.ts";

const EXAMPLES = resolve(import.meta.dirname, "..", "..", "..", "examples-repo");

describe("examples-repo", () => {
  it("validates with no diagnostic at all", async () => {
    const result = loadFleet(await readRepoDir(EXAMPLES));
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.ok, true);
  });

  it("every YAML file starts with a yaml-language-server $schema comment naming an existing schema of its kinds", async () => {
    const snapshot = await readRepoDir(EXAMPLES);
    assert.ok(snapshot.files.length >= 8, `expected the example fleet's files, found ${snapshot.files.length}`);
    for (const file of snapshot.files) {
      const first = file.content.split("\n")[0] ?? "";
      const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
      assert.ok(m, `${file.path} starts with ${JSON.stringify(first)}`);
      const schemaPath = join(EXAMPLES, dirname(file.path), m[1] ?? "");
      assert.ok(existsSync(schemaPath), `${file.path}: ${schemaPath} does not exist`);
      const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as { properties?: { kind?: { const?: string } } };
      const kindOfSchema = schema.properties?.kind?.const;
      for (const doc of parseAllDocuments(file.content) as unknown as { toJS(): { kind: string } }[]) {
        if (kindOfSchema !== undefined) assert.equal(doc.toJS().kind, kindOfSchema, `${file.path} points at the ${kindOfSchema} schema`);
      }
    }
  });

  it("every document also passes the top-level schema that dispatches on kind", async () => {
    const any = documentValidators().any;
    for (const file of (await readRepoDir(EXAMPLES)).files) {
      for (const doc of parseAllDocuments(file.content) as unknown as { toJS(): unknown }[]) {
        assert.equal(any(doc.toJS()), true, `${file.path}: ${JSON.stringify(any.errors)}`);
      }
    }
  });

  it("the top-level schema applies the kind's own schema", () => {
    const any = documentValidators().any;
    assert.equal(any({ apiVersion: "berth/v1", kind: "Service", metadata: { name: "x" }, spec: { image: "a", replicas: "3" } }), false);
    assert.equal(any({ apiVersion: "berth/v1", kind: "Host", metadata: { name: "x" }, spec: { image: "a" } }), false);
    assert.equal(any({ apiVersion: "berth/v1", kind: "Policy", metadata: { name: "x" }, spec: {} }), true);
  });

  it("matches the test bed: three hosts in two zones, web, api, cache, reporter, a nightly job, registry policy", async () => {
    const result = loadFleet(await readRepoDir(EXAMPLES));
    assert.ok(result.ok);
    const { hosts, services, jobs, templates, policy } = result.fleet;
    assert.deepEqual(
      hosts.map((h) => [h.name, h.endpoint, h.insecure, h.labels["zone"]]),
      [
        ["h1", "tcp://127.0.0.11:2375", true, "a"],
        ["h2", "tcp://127.0.0.12:2375", true, "a"],
        ["h3", "tcp://127.0.0.13:2375", true, "b"],
      ],
    );
    const web = services.find((s) => s.name === "web");
    assert.equal(web?.replicas, 3);
    assert.equal(web?.pod.health.kind, "http");
    assert.deepEqual(web?.pod.containers.map((c) => [c.name, c.pattern ?? "main"]), [["main", "main"], ["log-shipper", "sidecar"], ["metrics-adapter", "adapter"]]);
    assert.ok(web?.pod.ports.every((p) => p.hostPort === undefined), "web lets the engines assign host ports");
    const api = services.find((s) => s.name === "api");
    assert.equal(api?.replicas, 2);
    assert.deepEqual(api?.pod.containers.map((c) => c.pattern ?? "main"), ["main", "ambassador"]);
    assert.ok(services.some((s) => s.name === "cache"));
    const reporter = services.find((s) => s.name === "reporter");
    assert.equal(reporter?.replicas, 2);
    assert.deepEqual(reporter?.pod.containers.map((c) => [c.name, c.pattern ?? "main"]), [["main", "main"], ["leader-elector", "sidecar"]]);
    assert.deepEqual(templates.map((t) => [t.doc.metadata.name, t.doc.spec.pattern]).sort(), [
      ["cache-ambassador", "ambassador"],
      ["leader-elector", "sidecar"],
      ["leader-elector-auth", "sidecar"],
      ["log-shipper", "sidecar"],
      ["metrics-adapter", "adapter"],
    ]);
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0]?.schedule, "0 3 * * *");
    assert.deepEqual(policy.allowedRegistries, ["127.0.0.1:5000"]);
    for (const w of [...services, ...jobs]) {
      for (const c of w.pod.containers) assert.match(c.image, /^127\.0\.0\.1:5000\/berth\/(app|toolbox|leader-elector):/);
    }
  });

  it("the pull-request workflow runs berth commands with options berth has, and is not read as fleet files", async () => {
    const file = join(EXAMPLES, ".github", "workflows", "berth-plan.yaml");
    const workflow = parse(readFileSync(file, "utf8")) as { on: { pull_request: unknown }; jobs: { plan: { steps: { run?: string }[] } } };
    assert.ok(workflow.on.pull_request);
    const runs = workflow.jobs.plan.steps.flatMap((st) => (st.run ? [st.run] : [])).join("\n");
    const cli = resolve(EXAMPLES, "..", "reconciler", "cli", "main.ts");
    for (const [command, options] of [
      ["validate", ["--repo"]],
      ["plan", ["--repo", "--owner", "--format", "--detailed-exitcode"]],
    ] as const) {
      assert.match(runs, new RegExp(`main\\.js ${command} `), `the workflow runs berth ${command}`);
      const help = spawnSync(process.execPath, ["--import", "tsx", cli, command, "--help"], { encoding: "utf8" }).stdout;
      for (const o of options) assert.ok(help.includes(o), `berth ${command} has ${o}`);
    }
    assert.ok(!(await readRepoDir(EXAMPLES)).files.some((f) => f.path.startsWith(".github/")));
  });
});
