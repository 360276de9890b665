/**
 * `berth import compose` as a user runs it: what it writes, what it prints,
 * and its exit status; the files it writes pass `berth validate`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runImportCompose } from "../../../reconciler/cli/import.ts";
import { runValidate } from "../../../reconciler/cli/validate.ts";
import { runCli } from "../../support/capture-cli.ts";

const REPO = resolve(import.meta.dirname, "..", "..", "..");
const STACK = "test/fixtures/compose/web-db-cache/compose.yaml";
const capture = (fn: () => number | Promise<number>) => runCli(fn, { dir: REPO });

describe("berth import compose (CLI)", () => {
  let out: string;
  beforeEach(() => {
    out = mkdtempSync(join(tmpdir(), "berth-import-"));
  });
  afterEach(() => rmSync(out, { recursive: true, force: true }));

  it("--out writes one file per service, says so on stderr, and berth validate accepts the folder", async () => {
    const r = await capture(() => runImportCompose([STACK], { out }));
    assert.equal(r.code, 0);
    assert.deepEqual(readdirSync(out).sort(), ["cache.yaml", "db.yaml", "web.yaml"]);
    assert.equal(r.out, "");
    assert.match(r.err, /^test\/fixtures\/compose\/web-db-cache\/compose\.yaml:13:5: warning: berth starts services independently/m);
    assert.match(r.err, /3 services in .* \(1 warning\); next: berth validate /);
    const v = await capture(() => runValidate(out, { format: "text" }));
    assert.equal(v.code, 0, v.out);
    assert.match(v.out, /valid \(0 hosts, 3 services/);
  });

  it("without --out prints one YAML stream that is itself a valid berth file", async () => {
    const r = await capture(() => runImportCompose([STACK], {}));
    assert.equal(r.code, 0);
    assert.equal(r.out.split("\n---\n").length, 3);
    writeFileSync(join(out, "stack.yaml"), r.out);
    const v = await capture(() => runValidate(out, { format: "text" }));
    assert.equal(v.code, 0, v.out);
  });

  it("--check prints only the warnings and a verdict, writes nothing, and exits 0 when the files can be imported", async () => {
    const r = await capture(() => runImportCompose(["test/fixtures/compose/unsupported/compose.yaml"], { check: true, out }));
    assert.equal(r.code, 0);
    assert.deepEqual(readdirSync(out), []);
    assert.equal(r.err, "");
    const lines = r.out.trimEnd().split("\n");
    assert.equal(lines.length, 18);
    assert.equal(lines[0], "test/fixtures/compose/unsupported/compose.yaml:6:5: warning: dropped: berth adds no capabilities; `privileged` is the only escalation, and a Policy must allow it (at services.vpn.cap_add)");
    assert.equal(lines.at(-1), "test/fixtures/compose/unsupported/compose.yaml: can be imported (2 services): 0 refusals, 17 warnings");
  });

  it("--strict counts warnings as refusals: exit 1, nothing written", async () => {
    const r = await capture(() => runImportCompose(["test/fixtures/compose/unsupported/compose.yaml"], { strict: true, out }));
    assert.equal(r.code, 1);
    assert.deepEqual(readdirSync(out), []);
    assert.match(r.err, /compose\.yaml:6:5: error: dropped: berth adds no capabilities/);
    assert.match(r.err, /nothing written: 17 refusals, 0 warnings \(--strict counts warnings as refusals\)\n$/);
  });

  it("build: without an image is refused with what to do, and exits 1", async () => {
    const r = await capture(() => runImportCompose(["test/fixtures/compose/build/compose.yaml"], { out }));
    assert.equal(r.code, 1);
    assert.equal(existsSync(join(out, "app.yaml")), false);
    assert.match(r.err, /compose\.yaml:4:5: error: build: is refused: berth deploys images, so build and push the image in CI first, then set image: to its reference/);
  });

  it("--json gives the verdict, the diagnostics and each document", async () => {
    const r = await capture(() => runImportCompose(["test/fixtures/compose/global/compose.yaml"], { json: true }));
    assert.equal(r.code, 0);
    const j = JSON.parse(r.out) as { ok: boolean; diagnostics: { line: number; col: number; code: string }[]; services: { name: string; document: { spec: { placement: { mode: string } } } }[] };
    assert.equal(j.ok, true);
    assert.deepEqual(j.diagnostics.map((d) => [d.line, d.col, d.code]), [[16, 7, "compose-unsupported"]]);
    assert.deepEqual(j.services.map((s) => [s.name, s.document.spec.placement.mode]), [["node-exporter", "global"], ["log-agent", "global"]]);
  });

  it("--env-file replaces .env, and a missing one is refused", async () => {
    const env = join(out, "prod.env");
    writeFileSync(env, "TAG=9.9\nREGISTRY=r.example.com\n");
    const r = await capture(() => runImportCompose(["test/fixtures/compose/env-interpolation/compose.yaml"], { envFile: [env] }));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /image: r\.example\.com\/app:9\.9/);
    const missing = await capture(() => runImportCompose(["test/fixtures/compose/env-interpolation/compose.yaml"], { envFile: [join(out, "nope.env")] }));
    assert.equal(missing.code, 1);
    assert.match(missing.err, /nope\.env:1:1: error: cannot read --env-file/);
  });

  it("is registered as `berth import compose` with a help that teaches", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "reconciler/cli/main.ts", "import", "compose", "--help"], { cwd: REPO, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Usage: berth import compose \[options\] <file\.\.\.>/);
    for (const option of ["--out <dir>", "--prefix <name>", "--env-file <file>", "--profile <name>", "--strict", "--check", "--json"]) assert.ok(r.stdout.includes(option), option);
    assert.match(r.stdout, /build: is refused: berth deploys images/);
  });
});
