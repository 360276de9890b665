/**
 * `berth schema`: the exported folder stands on its own. Every schema of
 * schemas/ is written; ajv compiles each from the exported files alone; each
 * `$ref` names an exported file whether it is resolved beside the file (as
 * yaml-language-server does) or against the `$id` (as ajv does); and the
 * modelines that `berth schema --help` teaches find the schema from a fleet
 * repository's YAML files and accept a real Host document.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parseAllDocuments } from "yaml";
import { runSchema } from "../../../reconciler/cli/schema.ts";
import { repoRoot } from "../../../testbed/layout.ts";
import { runCli } from "../../support/capture-cli.ts";

type Json = Record<string, unknown>;

/** Every `$ref` string anywhere in `node`. */
function refsIn(node: unknown, out: string[] = []): string[] {
  if (node === null || typeof node !== "object") return out;
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === "$ref" && typeof value === "string") out.push(value);
    else refsIn(value, out);
  }
  return out;
}

/** An ajv that knows only the schemas in `dir`, with the loader's own options. */
function ajvOf(dir: string): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
  for (const file of readdirSync(dir)) ajv.addSchema(JSON.parse(readFileSync(path.join(dir, file), "utf8")) as Json);
  return ajv;
}

describe("berth schema", () => {
  let work: string;
  let out: string;
  beforeEach(async () => {
    work = mkdtempSync(path.join(tmpdir(), "berth-schema-"));
    out = path.join(work, "fleet", "schemas");
    const run = await runCli(() => runSchema(undefined, { out }));
    assert.equal(run.code, 0, run.err);
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it("--out writes every schema of schemas/, unchanged", () => {
    const published = readdirSync(path.join(repoRoot, "schemas")).sort();
    assert.deepEqual(readdirSync(out).sort(), published);
    for (const file of published) {
      assert.deepEqual(JSON.parse(readFileSync(path.join(out, file), "utf8")), JSON.parse(readFileSync(path.join(repoRoot, "schemas", file), "utf8")), file);
    }
  });

  it("names each exported file after the last segment of its $id", () => {
    for (const file of readdirSync(out)) {
      const { $id } = JSON.parse(readFileSync(path.join(out, file), "utf8")) as { $id: string };
      assert.equal(new URL(file, $id).href, $id, file);
    }
  });

  it("exports schemas that ajv compiles from the exported files alone", () => {
    const ajv = ajvOf(out);
    for (const file of readdirSync(out)) {
      const { $id } = JSON.parse(readFileSync(path.join(out, file), "utf8")) as { $id: string };
      assert.equal(typeof ajv.getSchema($id), "function", `${file} compiles`);
    }
  });

  it("resolves every $ref to an exported file, beside the file and against the $id alike", () => {
    const ids = new Map<string, string>();
    for (const file of readdirSync(out)) ids.set((JSON.parse(readFileSync(path.join(out, file), "utf8")) as { $id: string }).$id, file);
    const referring = new Set<string>();
    for (const file of readdirSync(out)) {
      const schema = JSON.parse(readFileSync(path.join(out, file), "utf8")) as Json & { $id: string };
      for (const ref of refsIn(schema)) {
        const target = ref.split("#")[0]!;
        if (target === "") continue;
        referring.add(file);
        const beside = new URL(target, pathToFileURL(path.join(out, file)));
        assert.ok(existsSync(beside), `${file}: $ref ${ref} is a file next to it`);
        const byId = new URL(target, schema.$id).href;
        assert.equal(ids.get(byId), path.basename(beside.pathname), `${file}: $ref ${ref} resolved against ${schema.$id} is the same exported file`);
      }
    }
    // Each document kind's schema takes the shared definitions from common.schema.json.
    assert.deepEqual([...referring].sort(), ["berth", "host", "job", "policy", "service", "template"].map((k) => `${k}.schema.json`));
  });

  it("teaches in --help the modelines that find the exported schemas from a fleet's YAML files", async function () {
    this.timeout(30_000);
    const help = await promisify(execFile)(process.execPath, ["--import", "tsx", path.join(repoRoot, "reconciler/cli/main.ts"), "schema", "--help"], { cwd: repoRoot });
    assert.match(help.stdout, /berth schema --out schemas/);
    const modelines = [...help.stdout.matchAll(/^ +(# yaml-language-server: \$schema=(\S+)) +in (\S+)$/gm)].map((m) => ({ line: m[1]!, schema: m[2]!, file: m[3]! }));
    assert.deepEqual(modelines.map((m) => m.file), ["hosts.yaml", "services/web.yaml"]);

    // The fleet repository: `schemas/` as exported, and a Host file with the taught modeline.
    const fleet = path.dirname(out);
    const host = modelines[0]!;
    const hostDoc = readFileSync(path.join(repoRoot, "examples-repo/hosts.yaml"), "utf8").split(/^---$/m)[0]!.replace(/^# yaml-language-server:.*$/m, host.line);
    writeFileSync(path.join(fleet, host.file), hostDoc);
    mkdirSync(path.join(fleet, "services"));

    const ajv = ajvOf(out);
    for (const m of modelines) {
      // yaml-language-server resolves a relative modeline against the YAML file's folder.
      const schemaFile = path.resolve(path.dirname(path.join(fleet, m.file)), m.schema);
      assert.ok(existsSync(schemaFile), `${m.line} in ${m.file} finds ${schemaFile}`);
      assert.equal(path.dirname(schemaFile), out);
    }
    const hostSchema = JSON.parse(readFileSync(path.resolve(fleet, host.schema), "utf8")) as { $id: string; title: string };
    assert.equal(hostSchema.title, "berth Host");
    const validate = ajv.getSchema(hostSchema.$id)!;
    const [doc] = parseAllDocuments(readFileSync(path.join(fleet, host.file), "utf8"));
    assert.ok(validate(doc!.toJS()), JSON.stringify(validate.errors));
    assert.ok(!validate({ ...(doc!.toJS() as Json), spec: { endpoint: 42 } }), "a Host with a numeric endpoint is refused");
  });

  it("prints one schema by name, and refuses an unknown name naming the known ones", async () => {
    const one = await runCli(() => runSchema("service", {}));
    assert.equal(one.code, 0);
    assert.deepEqual(JSON.parse(one.out), JSON.parse(readFileSync(path.join(repoRoot, "schemas/service.schema.json"), "utf8")));
    const bad = await runCli(() => runSchema("servce", {}));
    assert.equal(bad.code, 1);
    assert.match(bad.err, /no schema "servce"; the schemas are .*\bservice\b/);
  });

  it("refuses an --out that is a file, naming it, and writes nothing", async () => {
    const file = path.join(work, "not-a-folder");
    writeFileSync(file, "");
    const run = await runCli(() => runSchema(undefined, { out: file }));
    assert.equal(run.code, 1);
    assert.equal(run.err, `berth schema: cannot write the schemas into --out ${file}: it is a file, not a folder; name a folder berth may create or write to\n`);
    assert.equal(readFileSync(file, "utf8"), "");
  });

  it("lists the schemas with their titles without NAME or --out", async () => {
    const list = await runCli(() => runSchema(undefined, {}));
    assert.equal(list.code, 0);
    assert.match(list.out, /^host\.schema\.json +berth Host$/m);
    assert.equal(list.out.trim().split("\n").length, readdirSync(path.join(repoRoot, "schemas")).length);
  });
});
