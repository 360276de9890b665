/**
 * `berth validate` and `berth render` as a user runs them: output and exit code.
 */
import { runCli } from "../../support/capture-cli.ts";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { runRender } from "../../../reconciler/cli/render.ts";
import { runValidate } from "../../../reconciler/cli/validate.ts";

const REPO = resolve(import.meta.dirname, "..", "..", "..");
const BROKEN = "test/fixtures/repos/broken";
const MINIMAL = "test/fixtures/repos/minimal";

/** Runs `fn` in the repository root with stdout and stderr captured. */
const capture = (fn: () => Promise<number>) => runCli(fn, { dir: REPO });

describe("berth validate", () => {
  it("without --repo or a DIR reads the current directory's repository, and says what to do when there is none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "berth-no-repo-"));
    const err: string[] = [];
    const write = process.stderr.write;
    const cwd = process.cwd();
    process.stderr.write = ((chunk: string) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
    process.chdir(dir);
    try {
      assert.equal(await runValidate(undefined, { format: "text" }), 1);
    } finally {
      process.chdir(cwd);
      process.stderr.write = write;
      rmSync(dir, { recursive: true, force: true });
    }
    assert.match(err.join(""), /^berth validate: .*berth-no-repo-\w+ is not a git repository .*; without --repo berth reads the commits of the current directory's repository: pass --repo URL\|PATH, or a DIR to read files on disk\n$/);
  });

  it("prints every error as file:line:col with the folder as given, and exits 1", async () => {
    const r = await capture(() => runValidate(BROKEN, { format: "text" }));
    assert.equal(r.code, 1);
    assert.equal(
      r.out,
      [
        `${BROKEN}/service.yaml:4:9: error: must be a DNS label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters); got "Bad_Name" (at metadata.name)`,
        `${BROKEN}/service.yaml:7:13: error: must be integer; got "many" (at spec.replicas)`,
        `${BROKEN}/syntax.yml:3:11: error: flow map "{" is never closed (noticed at 4:1)`,
        `${BROKEN}: invalid: 3 errors in 2 files`,
        "",
      ].join("\n"),
    );
  });

  it("prints JSON with --format json", async () => {
    const r = await capture(() => runValidate(BROKEN, { format: "json" }));
    assert.equal(r.code, 1);
    const parsed = JSON.parse(r.out) as { valid: boolean; diagnostics: { file: string; line: number; col: number; severity: string; path: string }[] };
    assert.equal(parsed.valid, false);
    assert.deepEqual(
      parsed.diagnostics.map((d) => [d.file, d.line, d.col, d.severity, d.path]),
      [
        [`${BROKEN}/service.yaml`, 4, 9, "error", "metadata.name"],
        [`${BROKEN}/service.yaml`, 7, 13, "error", "spec.replicas"],
        [`${BROKEN}/syntax.yml`, 3, 11, "error", ""],
      ],
    );
  });

  it("exits 0 on the example fleet", async () => {
    const r = await capture(() => runValidate("examples-repo", { format: "text" }));
    assert.equal(r.code, 0, r.out + r.err);
    assert.equal(r.out, "examples-repo: valid (3 hosts, 4 services, 1 job, 5 templates, a policy)\n");
  });

  it("reads only --path under the folder", async () => {
    const r = await capture(() => runValidate("test/fixtures/repos", { format: "text", path: "minimal" }));
    assert.equal(r.code, 0, r.out);
  });

  it("says clearly when --repo is not a git repository, and exits 1", async () => {
    const r = await capture(() => runValidate(undefined, { repo: "test/fixtures/repos" }));
    assert.equal(r.code, 1);
    assert.equal(r.out, "");
    assert.match(r.err, /^berth validate: .*test\/fixtures\/repos is not a git repository/);
  });

  it("prints one GitHub Actions annotation per diagnostic with --format github, and exits 1", async () => {
    const r = await capture(() => runValidate(BROKEN, { format: "github" }));
    assert.equal(r.code, 1);
    assert.equal(
      r.out,
      [
        `::error file=${BROKEN}/service.yaml,line=4,col=9::must be a DNS label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters); got "Bad_Name" (at metadata.name)`,
        `::error file=${BROKEN}/service.yaml,line=7,col=13::must be integer; got "many" (at spec.replicas)`,
        `::error file=${BROKEN}/syntax.yml,line=3,col=11::flow map "{" is never closed (noticed at 4:1)`,
        "",
      ].join("\n"),
    );
  });

  it("prints nothing with --format github when valid, and exits 0", async () => {
    assert.deepEqual(await capture(() => runValidate(["examples-repo"], { format: "github" })), { code: 0, out: "", err: "" });
  });

  // Files (a pre-commit hook passes them) are one set: cross-document checks see only these files.
  const pathCases: { name: string; paths: string[]; code: number; out: string; err?: string }[] = [
    {
      name: "one file, named as given",
      paths: [`./${BROKEN}/service.yaml`],
      code: 1,
      out: [
        `${BROKEN}/service.yaml:4:9: error: must be a DNS label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters); got "Bad_Name" (at metadata.name)`,
        `${BROKEN}/service.yaml:7:13: error: must be integer; got "many" (at spec.replicas)`,
        `./${BROKEN}/service.yaml: invalid: 2 errors in 1 file`,
        "",
      ].join("\n"),
    },
    {
      name: "files and a folder together, checked against each other",
      paths: ["examples-repo/services/web.yaml", "examples-repo/hosts.yaml", "examples-repo/templates/"],
      code: 0,
      out: "3 paths: valid (3 hosts, 1 service, 0 jobs, 5 templates, no policy)\n",
    },
    {
      name: "a file named twice, or also inside a folder named, is read once",
      paths: ["examples-repo/hosts.yaml", "examples-repo/hosts.yaml", "examples-repo"],
      code: 0,
      out: "3 paths: valid (3 hosts, 4 services, 1 job, 5 templates, a policy)\n",
    },
    {
      name: "a file that does not exist",
      paths: ["examples-repo/hosts.yaml", "no/such.yaml"],
      code: 1,
      out: "",
      err: `berth validate: Cannot read "no/such.yaml": ENOENT: no such file or directory, stat 'no/such.yaml'\n`,
    },
    {
      name: "a template in a file not named is unknown",
      paths: ["examples-repo/services/web.yaml", "examples-repo/hosts.yaml"],
      code: 1,
      out: [
        'examples-repo/services/web.yaml:54:17: error: unknown template "log-shipper"; known templates: none (at spec.uses[0].template)',
        'examples-repo/services/web.yaml:57:17: error: unknown template "metrics-adapter"; known templates: none (at spec.uses[1].template)',
        "2 paths: invalid: 2 errors in 1 file",
        "",
      ].join("\n"),
    },
  ];
  for (const c of pathCases) {
    it(`validates named paths: ${c.name}`, async () => {
      assert.deepEqual(await capture(() => runValidate(c.paths, { format: "text" })), { code: c.code, out: c.out, err: c.err ?? "" });
    });
  }


  it("exits 1 with a clear message for a folder that does not exist", async () => {
    const r = await capture(() => runValidate("no/such/folder", {}));
    assert.equal(r.code, 1);
    assert.match(r.err, /Cannot read the repository folder "no\/such\/folder"/);
  });
});

describe("berth render", () => {
  it("prints the expanded pod as YAML, secrets as references only", async () => {
    const r = await capture(() => runRender("hello", MINIMAL, { format: "yaml" }));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^# berth render hello: the pod of service "hello" from test\/fixtures\/repos\/minimal\/fleet.yaml:18\n/);
    const pod = parse(r.out) as { name: string; specHash: string; containers: { name: string; command?: string[]; secretEnv: unknown[] }[] };
    assert.equal(pod.name, "hello");
    assert.match(pod.specHash, /^[0-9a-f]{16}$/);
    assert.deepEqual(pod.containers.map((c) => c.name), ["main", "echo"]);
    assert.deepEqual(pod.containers[1]?.command, ["sh", "-c", "echo hello from hello; sleep 3600"]);
    assert.deepEqual(pod.containers[0]?.secretEnv, [
      { name: "API_TOKEN", fromEnv: "BERTH_SECRET_HELLO_API_TOKEN" },
      { name: "DB_PASSWORD", fromFile: "db-password" },
    ]);
  });

  it("never prints a secret's value, even when the reconciler's environment has it", async () => {
    process.env["BERTH_SECRET_HELLO_API_TOKEN"] = "s3cr3t-value-that-must-not-leak";
    try {
      const r = await capture(() => runRender("hello", MINIMAL, { format: "json" }));
      assert.equal(r.code, 0);
      assert.ok(!r.out.includes("s3cr3t-value-that-must-not-leak"));
      assert.equal((JSON.parse(r.out) as { name: string }).name, "hello");
    } finally {
      delete process.env["BERTH_SECRET_HELLO_API_TOKEN"];
    }
  });

  it("renders a job too", async () => {
    const r = await capture(() => runRender("nightly-report", "examples-repo", {}));
    assert.equal(r.code, 0, r.err);
    assert.equal((parse(r.out) as { kind: string }).kind, "job");
  });

  it("exits 1 naming the known services for an unknown one", async () => {
    const r = await capture(() => runRender("nope", "examples-repo", {}));
    assert.equal(r.code, 1);
    assert.equal(r.err, 'berth render: no Service or Job named "nope" in examples-repo; known: api, cache, nightly-report, reporter, web\n');
  });

  it("exits 1 with the diagnostics when the repository is invalid", async () => {
    const r = await capture(() => runRender("x", BROKEN, {}));
    assert.equal(r.code, 1);
    assert.match(r.err, /service.yaml:7:13: error: must be integer/);
    assert.match(r.err, /does not validate; nothing to render/);
  });
});
