/**
 * Empty documents — a trailing `---`, two `---` in a row, a document of
 * comments — hold nothing and are skipped, as kubectl skips them. Guards the
 * bug where a trailing `---` made the loader report "a berth document must
 * be a mapping ... got null" at the marker, for a file that was fine.
 */
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../../reconciler/load/diagnostic.ts";
import { loadFleet } from "../../../reconciler/load/load-fleet.ts";
import { lines } from "./fleet-files.ts";

const POLICY = lines("apiVersion: berth/v1", "kind: Policy", "metadata:", "  name: p", "spec: {}");
const HOST = lines("apiVersion: berth/v1", "kind: Host", "metadata:", "  name: h1", "spec:", "  endpoint: unix:///var/run/docker.sock");

const skipped: { name: string; content: string; hosts: number }[] = [
  { name: "a trailing ---", content: `${POLICY}---\n`, hosts: 0 },
  { name: "a trailing --- without a final newline", content: `${POLICY}---`, hosts: 0 },
  { name: "a trailing --- followed only by a comment", content: `${POLICY}---\n# more to come\n`, hosts: 0 },
  { name: "two --- in a row between documents", content: `${POLICY}---\n---\n${HOST}`, hosts: 1 },
  // Passed on the old code too (these markers open and close one document); kept so the skip does not break them.
  { name: "a leading --- and a trailing ...", content: `---\n${POLICY}...\n`, hosts: 0 },
];

describe("empty documents", () => {
  for (const c of skipped) {
    it(`skips ${c.name}, with no diagnostic`, () => {
      const result = loadFleet({ files: [{ path: "fleet.yaml", content: c.content }] });
      assert.deepEqual(result.diagnostics.map((d) => formatDiagnostic(d)), []);
      assert.ok(result.ok);
      assert.equal(result.fleet.policy.source?.file, "fleet.yaml");
      assert.equal(result.fleet.hosts.length, c.hosts);
    });
  }

  // Passes on the old code too: it guards against skipping a document that is written out as null.
  it("still reports a document that is an explicit null, at its value", () => {
    const result = loadFleet({ files: [{ path: "fleet.yaml", content: `${POLICY}--- null\n` }] });
    assert.deepEqual(result.diagnostics.map((d) => formatDiagnostic(d)), [
      "fleet.yaml:6:5: error: a berth document must be a mapping with apiVersion, kind, metadata and spec; got null",
    ]);
  });
});
