/**
 * In JSON modes (`--json`, `--format json`) the error that ends a command is
 * one JSON object on stdout, `{type: "error", error: {code, message}}`, as
 * well as the usual `berth CMD: message` on stderr; the exit code stays 1.
 * Diagnostics a command reports as its own output (validate) are not errors.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runApply } from "../../../reconciler/cli/apply.ts";
import { fail, failureOf } from "../../../reconciler/cli/fail.ts";
import { runPlan } from "../../../reconciler/cli/plan.ts";
import { runShow } from "../../../reconciler/cli/show.ts";
import { runValidate } from "../../../reconciler/cli/validate.ts";
import { runCli } from "../../support/capture-cli.ts";

const REPO = resolve(import.meta.dirname, "..", "..", "..");
const BROKEN = "test/fixtures/repos/broken";
const MISSING = "test/fixtures/repos/no-such-folder";

interface ErrorLine {
  type: string;
  error: { code: string; message: string; diagnostics?: { file: string; line: number; col: number }[] };
}

/** The command's stdout, which must be exactly one JSON line: the error. */
function errorOf(out: string): ErrorLine {
  const lines = out.split("\n").filter(Boolean);
  assert.equal(lines.length, 1, `one line on stdout, got:\n${out}`);
  const parsed = JSON.parse(lines[0]!) as ErrorLine;
  assert.equal(parsed.type, "error");
  return parsed;
}

describe("JSON errors", () => {
  let state: string;
  before(() => {
    state = mkdtempSync(join(tmpdir(), "berth-json-errors-"));
  });
  after(() => rmSync(state, { recursive: true, force: true }));

  const cases: { name: string; run: () => Promise<number> | number; code: string; message: RegExp; diagnostics?: string[] }[] = [
    {
      name: "plan --format json on a folder that cannot be read",
      run: () => runPlan(MISSING, { format: "json", stateDir: state }),
      code: "source-unreadable",
      message: /^Cannot read the repository folder "test\/fixtures\/repos\/no-such-folder": ENOENT/,
    },
    {
      name: "plan --format json on a fleet that does not validate, with its diagnostics",
      run: () => runPlan(BROKEN, { format: "json", stateDir: state }),
      code: "fleet-invalid",
      message: /^test\/fixtures\/repos\/broken does not validate; nothing was changed\.$/,
      diagnostics: [`${BROKEN}/service.yaml:4:9`, `${BROKEN}/service.yaml:7:13`, `${BROKEN}/syntax.yml:3:11`],
    },
    {
      name: "validate --format json on a folder that cannot be read",
      run: () => runValidate(MISSING, { format: "json", stateDir: state }),
      code: "source-unreadable",
      message: /^Cannot read the repository folder/,
    },
    {
      name: "apply --json without --yes or --plan, before reading anything",
      run: () => runApply(MISSING, { json: true, stateDir: state }),
      code: "approval-needed",
      message: /^--json needs --yes or --plan FILE: .*add --yes .*--plan FILE .*nothing was changed\.$/,
    },
    {
      name: "apply --json --yes on a fleet that does not validate",
      run: () => runApply(BROKEN, { json: true, yes: true, stateDir: state }),
      code: "fleet-invalid",
      message: /^test\/fixtures\/repos\/broken does not validate; nothing was changed\.$/,
      diagnostics: [`${BROKEN}/service.yaml:4:9`, `${BROKEN}/service.yaml:7:13`, `${BROKEN}/syntax.yml:3:11`],
    },
    {
      name: "show --format json of a file that is not a plan",
      run: () => runShow("package.json", { format: "json" }),
      code: "plan-unreadable",
      message: /^package\.json is not a berth plan/,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.code} on stdout, the message on stderr, exit 1`, async () => {
      const r = await runCli(c.run, { dir: REPO });
      assert.equal(r.code, 1);
      const { error } = errorOf(r.out);
      assert.equal(error.code, c.code);
      assert.match(error.message, c.message);
      assert.deepEqual(error.diagnostics?.map((d) => `${d.file}:${d.line}:${d.col}`), c.diagnostics);
      assert.ok(r.err.endsWith(`: ${error.message}\n`), `stderr ends with the message: ${r.err}`);
    });
  }

  it("validate --format json of an invalid fleet still prints its diagnostics document, not an error", async () => {
    const r = await runCli(() => runValidate(BROKEN, { format: "json", stateDir: state }), { dir: REPO });
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.out) as { type?: string; valid: boolean; diagnostics: unknown[] };
    assert.equal(doc.type, undefined);
    assert.equal(doc.valid, false);
    assert.equal(doc.diagnostics.length, 3);
  });

  it("without a JSON mode, stdout stays empty and stderr has the text", async () => {
    const r = await runCli(() => runPlan(MISSING, { format: "text", stateDir: state }), { dir: REPO });
    assert.deepEqual({ code: r.code, out: r.out }, { code: 1, out: "" });
    assert.match(r.err, /^berth plan: Cannot read the repository folder "test\/fixtures\/repos\/no-such-folder"/);
  });

  it("masks the secret values in berth's environment, in the JSON and on stderr", async () => {
    const before = process.env["BERTH_GIT_TOKEN"];
    process.env["BERTH_GIT_TOKEN"] = "tok-5ecret-9f2c";
    try {
      const r = await runCli(() => fail("plan", failureOf(new Error("remote said: bad token tok-5ecret-9f2c")), { format: "json" }));
      assert.equal(r.code, 1);
      assert.deepEqual(errorOf(r.out).error, { code: "internal-error", reaction: "bug", message: "remote said: bad token ***", data: {} });
      assert.equal(r.err, "berth plan: remote said: bad token ***\n");
      const worded = await runCli(() => fail("apply", { code: "x", message: "with tok-5ecret-9f2c" }, { json: true }));
      assert.ok(!worded.out.includes("tok-5ecret-9f2c") && !worded.err.includes("tok-5ecret-9f2c"), worded.out + worded.err);
    } finally {
      if (before === undefined) delete process.env["BERTH_GIT_TOKEN"];
      else process.env["BERTH_GIT_TOKEN"] = before;
    }
  });

  it("an unexpected throw in a command is caught in main.ts and reported the same way, with exit 1", () => {
    // --out under a file: creating the folder throws ENOTDIR, which import does not expect.
    const compose = join(state, "compose.yaml");
    writeFileSync(compose, "services:\n  web:\n    image: nginx:1.27\n");
    writeFileSync(join(state, "a-file"), "");
    const r = spawnSync(process.execPath, ["--import", "tsx", "reconciler/cli/main.ts", "import", "compose", compose, "--json", "--out", join(state, "a-file", "fleet")], { cwd: REPO, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const { error } = errorOf(r.stdout);
    assert.equal(error.code, "internal-error");
    assert.match(error.message, /ENOTDIR/);
    assert.match(r.stderr, /^berth import compose: .*ENOTDIR.*\nError: .*ENOTDIR/, "the message, then a bug's stack");
  });
});
