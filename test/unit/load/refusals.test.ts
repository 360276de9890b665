/**
 * What a hostile or broken repository cannot do to the reconciler: each
 * refusal has a clear message and a position.
 */
import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SourceReadError } from "../../../reconciler/load/errors.ts";
import { MAX_ALIAS_COUNT, MAX_FILE_BYTES } from "../../../reconciler/load/limits.ts";
import { loadFleet } from "../../../reconciler/load/load-fleet.ts";
import { readRepoDir } from "../../../reconciler/load/read-dir.ts";
import { WEB, lines } from "./fleet-files.ts";

function loadOne(path: string, content: string) {
  return loadFleet({ files: [{ path, content }] });
}

describe("refusals", () => {
  it("refuses an alias bomb, at the document", () => {
    const bomb = lines(
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]",
    );
    const result = loadOne("bomb.yaml", `# a billion laughs, small edition\n${bomb}`);
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.file, d.line, d.col, d.code]),
      [["bomb.yaml", 2, 1, "yaml-alias-bomb"]],
    );
    assert.match(result.diagnostics[0]?.message ?? "", new RegExp(`more than ${MAX_ALIAS_COUNT} alias uses`));
  });

  it("accepts the few aliases a real file uses", () => {
    const content = WEB.replace("  replicas: 2", "  replicas: 2\n  labels: *labels").replace("metadata:\n  name: web", "metadata:\n  name: web\n  labels: &labels\n    tier: web");
    const result = loadFleet({ files: [{ path: "web.yaml", content }] });
    // The only problem left is the template this fixture uses, which is not in this one-file repository.
    assert.deepEqual(result.diagnostics.map((d) => d.code), ["unknown-template"]);
  });

  it("refuses a file over the size cap, before parsing it", () => {
    const big = `# ${"x".repeat(MAX_FILE_BYTES)}\n`;
    const result = loadOne("big.yaml", big);
    assert.deepEqual(result.diagnostics.map((d) => [d.file, d.line, d.col, d.code]), [["big.yaml", 1, 1, "file-too-large"]]);
    assert.match(result.diagnostics[0]?.message ?? "", /more than the 1048576-byte limit/);
  });

  const tagCases = [
    { name: "a custom tag", text: "!js/function 'return 1'", tag: "!js/function" },
    { name: "a YAML 1.1 binary tag", text: "!!binary aGVsbG8=", tag: "tag:yaml.org,2002:binary" },
    { name: "a local tag on a mapping", text: "!thing {a: 1}", tag: "!thing" },
  ];
  for (const c of tagCases) {
    it(`refuses ${c.name}, at the tagged node`, () => {
      const result = loadOne("tags.yaml", lines("apiVersion: berth/v1", "kind: Policy", "metadata:", "  name: p", `spec: ${c.text}`));
      assert.deepEqual(result.diagnostics.map((d) => [d.file, d.line, d.col, d.code]), [["tags.yaml", 5, 7, "yaml-tag"]]);
      assert.equal(result.diagnostics[0]?.message, `refused YAML tag ${JSON.stringify(c.tag)}: only plain YAML (no custom tags) is accepted`);
    });
  }

  it("reports an alias used before its anchor as a YAML error, not as a bomb", () => {
    const result = loadOne("a.yaml", lines("a: *x", "b: &x 1"));
    assert.deepEqual(result.diagnostics.map((d) => [d.line, d.col, d.code]), [[1, 1, "yaml-syntax"]]);
    assert.match(result.diagnostics[0]?.message ?? "", /Unresolved alias/);
  });

  it("accepts the core schema's own tags", () => {
    const result = loadOne("p.yaml", lines("apiVersion: berth/v1", "kind: Policy", "metadata:", "  name: !!str p", "spec: {}"));
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.ok, true);
  });
});

describe("readRepoDir", () => {
  let root: string;
  let outside: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "berth-read-dir-"));
    outside = await mkdtemp(join(tmpdir(), "berth-outside-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it("refuses a symlink that leaves the repository, and says where it points", async () => {
    await writeFile(join(outside, "secret.yaml"), "kind: Host\n");
    await symlink(join(outside, "secret.yaml"), join(root, "escape.yaml"));
    const snapshot = await readRepoDir(root);
    assert.deepEqual(snapshot.files, []);
    assert.equal(snapshot.refused?.length, 1);
    assert.equal(snapshot.refused?.[0]?.code, "symlink-escape");
    assert.match(snapshot.refused?.[0]?.message ?? "", /refused symlink "escape.yaml": it points outside the repository/);
    const result = loadFleet(snapshot);
    assert.deepEqual(result.diagnostics.map((d) => [d.file, d.line, d.col, d.code]), [["escape.yaml", 1, 1, "symlink-escape"]]);
  });

  it("refuses a symlinked folder that leaves the repository", async () => {
    await writeFile(join(outside, "a.yaml"), "kind: Host\n");
    await symlink(outside, join(root, "elsewhere"));
    const snapshot = await readRepoDir(root);
    assert.deepEqual(snapshot.refused?.map((r) => [r.path, r.code]), [["elsewhere", "symlink-escape"]]);
  });

  it("follows a symlink that stays inside the repository", async () => {
    await mkdir(join(root, "real"));
    await writeFile(join(root, "real", "p.yaml"), "kind: Policy\n");
    await symlink(join(root, "real", "p.yaml"), join(root, "link.yaml"));
    const snapshot = await readRepoDir(root);
    assert.deepEqual(snapshot.files.map((f) => f.path), ["link.yaml", "real/p.yaml"]);
    assert.deepEqual(snapshot.refused, []);
  });

  it("skips node_modules, whose packages carry YAML of their own", async () => {
    await mkdir(join(root, "node_modules", "pkg"), { recursive: true });
    await writeFile(join(root, "node_modules", "pkg", "ci.yml"), "language: node_js\n");
    await writeFile(join(root, "hosts.yaml"), "kind: Host\n");
    const snapshot = await readRepoDir(root);
    assert.deepEqual(snapshot.files.map((f) => f.path), ["hosts.yaml"]);
  });

  it("refuses a file over the size cap without reading it", async () => {
    await writeFile(join(root, "big.yaml"), "# ".padEnd(200, "x"));
    const snapshot = await readRepoDir(root, { maxFileBytes: 100 });
    assert.deepEqual(snapshot.files, []);
    assert.deepEqual(snapshot.refused?.map((r) => [r.path, r.code, r.message]), [["big.yaml", "file-too-large", 'refused "big.yaml": 200 bytes is more than the 100-byte limit for one file']]);
  });

  it("skips hidden folders and files that are not YAML; reads .yml and nested folders", async () => {
    const fixture = join(import.meta.dirname, "..", "..", "fixtures", "repos", "minimal");
    const snapshot = await readRepoDir(fixture);
    assert.deepEqual(snapshot.files.map((f) => f.path), ["fleet.yaml"]);
    await mkdir(join(root, ".git"));
    await mkdir(join(root, "a", "b"), { recursive: true });
    await writeFile(join(root, ".git", "x.yaml"), "x");
    await writeFile(join(root, "a", "b", "c.yml"), "x");
    await writeFile(join(root, "a", "d.json"), "x");
    assert.deepEqual((await readRepoDir(root)).files.map((f) => f.path), ["a/b/c.yml"]);
  });

  it("reads only the sub-path given with --path, keeping paths relative to the root", async () => {
    await mkdir(join(root, "prod"));
    await mkdir(join(root, "staging"));
    await writeFile(join(root, "prod", "a.yaml"), "x");
    await writeFile(join(root, "staging", "b.yaml"), "x");
    assert.deepEqual((await readRepoDir(root, { subPath: "./prod/" })).files.map((f) => f.path), ["prod/a.yaml"]);
  });

  it("throws SourceReadError for a folder that does not exist", async () => {
    await assert.rejects(readRepoDir(join(root, "nope")), (err: unknown) => {
      assert.ok(err instanceof SourceReadError);
      assert.equal(err.code, "source-unreadable");
      assert.equal(err.data.path, join(root, "nope"));
      return true;
    });
  });
});
