/**
 * Documents nested deeper than MAX_NESTING_DEPTH are refused, at the first
 * list or mapping past the limit. Guards the bug where the YAML composer
 * recursed once per level: 100k `[` gave "Maximum call stack size exceeded"
 * as YAML syntax errors at an arbitrary column, and 100k closed `[...]`
 * (or 400k `- `) ran the process out of memory and killed it. Aliases that
 * expand past the limit, or into a cycle, were accepted as data.
 */
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../../reconciler/load/diagnostic.ts";
import { MAX_NESTING_DEPTH } from "../../../reconciler/load/limits.ts";
import { loadFleet, loadFleetParallel } from "../../../reconciler/load/load-fleet.ts";
import { YamlParsePool } from "../../../reconciler/load/parse-pool.ts";
import { parseYamlFile } from "../../../reconciler/load/parse-yaml.ts";
import { lines } from "./fleet-files.ts";

const TOO_DEEP = "nesting deeper than 64 levels of lists and mappings; berth documents need only a few, so this one is not read";
const POLICY = lines("apiVersion: berth/v1", "kind: Policy", "metadata:", "  name: p", "spec: {}");

/** `depth` block mappings, each one line and one space deeper than the last. */
function blockMaps(depth: number): string {
  return Array.from({ length: depth }, (_, i) => `${" ".repeat(i)}a:\n`).join("");
}

/** 40 levels under an anchor, then an alias to it 30 levels down: 1 + 30 + 40 = 71 levels once expanded. */
const ALIAS_TOO_DEEP = lines(`a: &a ${"[".repeat(40)}${"]".repeat(40)}`, `b: ${"[".repeat(30)}*a${"]".repeat(30)}`);

const refused: { name: string; content: string; expected: string }[] = [
  // Under the top-level mapping (level 1), the 64th "[" is level 65: column 4 + 63.
  { name: "100k unclosed [", content: `a: ${"[".repeat(100_000)}`, expected: `deep.yaml:1:67: error: refused document: ${TOO_DEEP}` },
  { name: "100k unclosed {", content: `a: ${"{".repeat(100_000)}`, expected: `deep.yaml:1:67: error: refused document: ${TOO_DEEP}` },
  { name: "100k [ closed again", content: `${"[".repeat(100_000)}${"]".repeat(100_000)}\n`, expected: `deep.yaml:1:65: error: refused document: ${TOO_DEEP}` },
  { name: "100k compact block sequences (- - - ...)", content: `${"- ".repeat(100_000)}x\n`, expected: `deep.yaml:1:129: error: refused document: ${TOO_DEEP}` },
  { name: "100 nested block mappings", content: blockMaps(100), expected: `deep.yaml:65:65: error: refused document: ${TOO_DEEP}` },
  { name: "an alias whose expansion nests too deep, at the alias", content: ALIAS_TOO_DEEP, expected: `deep.yaml:2:34: error: refused document: alias *a expands to ${TOO_DEEP}` },
  { name: "an alias to the list that holds it", content: lines("a: &a [1, *a]"), expected: "deep.yaml:1:11: error: refused document: alias *a refers to a list or mapping that contains it, so it would nest without end" },
];

describe("nesting depth", () => {
  it("the limit is the one the messages state", () => {
    assert.equal(MAX_NESTING_DEPTH, 64);
  });

  for (const c of refused) {
    it(`refuses ${c.name}`, () => {
      const result = loadFleet({ files: [{ path: "deep.yaml", content: c.content }] });
      assert.deepEqual(result.diagnostics.map((d) => formatDiagnostic(d)), [c.expected]);
      assert.deepEqual(result.diagnostics.map((d) => d.code), ["yaml-too-deep"]);
    });
  }

  // Passes on the old code too: it pins the limit from below, so a real document is never refused.
  const accepted: { name: string; content: string }[] = [
    { name: "exactly 64 levels of flow sequences", content: `a: ${"[".repeat(63)}${"]".repeat(63)}\n` },
    { name: "exactly 64 levels of block mappings", content: blockMaps(64) },
    { name: "an alias that expands to exactly 64 levels", content: lines(`a: &a ${"[".repeat(40)}${"]".repeat(40)}`, `b: ${"[".repeat(23)}*a${"]".repeat(23)}`) },
  ];
  for (const c of accepted) {
    it(`reads ${c.name}`, () => {
      const parsed = parseYamlFile({ path: "deep.yaml", content: c.content });
      assert.deepEqual(parsed.diagnostics, []);
      assert.equal(parsed.documents.length, 1);
    });
  }

  it("still reads the other documents of the file, under their own index", () => {
    const parsed = parseYamlFile({ path: "deep.yaml", content: `a: ${"[".repeat(100)}\n---\n${POLICY}` });
    assert.deepEqual(parsed.diagnostics.map((d) => [d.line, d.col, d.code]), [[1, 67, "yaml-too-deep"]]);
    assert.deepEqual(parsed.documents.map((d) => [d.index, d.start.line, (d.value as { kind: string }).kind]), [[1, 3, "Policy"]]);
  });

  describe("on parse workers", () => {
    let pool: YamlParsePool;
    before(() => {
      pool = new YamlParsePool(1);
    });
    after(async () => {
      await pool.close();
    });

    it("gives the same refusals as parsing on the calling thread", async () => {
      const snapshot = {
        files: [
          { path: "alias.yaml", content: ALIAS_TOO_DEEP },
          { path: "deep.yaml", content: `a: ${"[".repeat(100_000)}` },
        ],
      };
      const result = await loadFleetParallel(snapshot, pool);
      assert.deepEqual(result.diagnostics.map((d) => formatDiagnostic(d)), [
        `alias.yaml:2:34: error: refused document: alias *a expands to ${TOO_DEEP}`,
        `deep.yaml:1:67: error: refused document: ${TOO_DEEP}`,
      ]);
      assert.deepEqual(result, loadFleet(snapshot));
    });
  });
});
