/**
 * A load result cut into parts for the trip between threads comes back
 * whole, and each part holds about as much as it should (issue 11: one
 * message with a whole large fleet held the event loop while it was read).
 */
import assert from "node:assert/strict";
import { loadFleet, type LoadResult } from "../../../reconciler/load/load-fleet.ts";
import { joinParts, resultParts } from "../../../reconciler/load/load-result-parts.ts";
import { BASE, WEB, lines } from "./fleet-files.ts";

function loaded(files: Readonly<Record<string, string>>): LoadResult {
  return loadFleet({ files: Object.entries(files).map(([path, content]) => ({ path, content })) });
}

const manyServices: Record<string, string> = { ...BASE };
for (let i = 0; i < 40; i++) manyServices[`services/s${i}.yaml`] = WEB.replace("name: web", `name: s${i}`);
const manyErrors: Record<string, string> = { ...BASE };
for (let i = 0; i < 40; i++) manyErrors[`services/s${i}.yaml`] = WEB.replace("name: web", `name: s${i}`) + lines("  rollout:", "    maxSurge: x");

const cases: readonly { name: string; result: LoadResult; partBytes: number; parts?: number }[] = [
  { name: "a valid fleet of 44 documents, in parts of 4 KiB", result: loaded(manyServices), partBytes: 4096 },
  // The head, 2 hosts, 41 services, 1 template, no diagnostics.
  { name: "the same in parts of 1 byte: one item a part", result: loaded(manyServices), partBytes: 1, parts: 1 + 2 + 41 + 1 },
  { name: "an invalid commit's 40 diagnostics, in parts of 1 KiB", result: loaded(manyErrors), partBytes: 1024 },
];

const size = (item: unknown) => JSON.stringify(item).length;

describe("load result parts", () => {
  for (const c of cases) {
    it(c.name, () => {
      const parts = resultParts(c.result, c.partBytes);
      assert.deepEqual(joinParts(parts), c.result);
      assert.equal(parts[0]?.kind, "head");
      const slices = parts.slice(1).map((p) => (p.kind === "head" ? assert.fail("one head only") : p));
      assert.ok(slices.length > 2, `${slices.length} parts: too few to show the cut`);
      slices.forEach((p, i) => {
        const total = p.items.reduce((n: number, item: unknown) => n + size(item), 0);
        assert.ok(p.items.length === 1 || total <= c.partBytes, `a ${p.kind} part of ${total} bytes, over ${c.partBytes}`);
        // Filled up: the next part of the same list did not fit in this one.
        const next = slices[i + 1];
        if (next?.kind === p.kind) assert.ok(total + size(next.items[0]) > c.partBytes, `part ${i} had room for the next item`);
      });
      if (c.parts !== undefined) assert.equal(parts.length, c.parts);
    });
  }

  it("a result without its head is a bug, said so", () => {
    assert.throws(() => joinParts([]), (err: unknown) => (err as { code?: string }).code === "E_LOAD_THREAD");
  });
});
