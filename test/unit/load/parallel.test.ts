/**
 * Parsing on worker threads must not change anything users see: the same
 * fleet, the same diagnostics at the same positions.
 */
import assert from "node:assert/strict";
import { loadFleet, loadFleetParallel } from "../../../reconciler/load/load-fleet.ts";
import { ParseWorkerError } from "../../../reconciler/load/errors.ts";
import { YamlParsePool } from "../../../reconciler/load/parse-pool.ts";
import type { RepoSnapshot } from "../../../reconciler/load/source.ts";
import { BASE, TAIL_TEMPLATE, WEB, lines } from "./fleet-files.ts";

function snapshotOf(files: Readonly<Record<string, string>>): RepoSnapshot {
  return { files: Object.entries(files).map(([path, content]) => ({ path, content })) };
}

describe("loadFleetParallel", () => {
  let pool: YamlParsePool;
  before(() => {
    pool = new YamlParsePool(2);
  });
  after(async () => {
    await pool.close();
  });

  it("gives the same fleet as loadFleet", async () => {
    const files: Record<string, string> = { ...BASE };
    for (let i = 0; i < 12; i++) files[`services/s${i}.yaml`] = WEB.replace("name: web", `name: s${i}`);
    const snapshot = snapshotOf(files);
    assert.deepEqual(await loadFleetParallel(snapshot, pool), loadFleet(snapshot));
  });

  it("gives the same diagnostics, positions found in files parsed on other threads", async () => {
    const files: Record<string, string> = {
      ...BASE,
      "templates/tail.yaml": TAIL_TEMPLATE.replace("${{ params.path }}", "${{ params.pth }}"),
      "services/api.yaml": WEB.replace("name: web", "name: api").replace("  replicas: 2", "  replicas: -1"),
      "services/db.yaml": WEB.replace("name: web", "name: db") + lines("  rollout:", "    maxSurge: x"),
      "broken.yaml": "kind: [\n",
    };
    const snapshot = snapshotOf(files);
    const expected = loadFleet(snapshot);
    assert.equal(expected.ok, false);
    assert.ok(expected.diagnostics.length >= 4);
    assert.deepEqual(await loadFleetParallel(snapshot, pool), expected);
  });

  it("a closed pool refuses work instead of hanging", async () => {
    const closed = new YamlParsePool(1);
    await closed.close();
    await assert.rejects(closed.parseFiles([{ path: "a.yaml", content: "a: 1\n" }], 1024), (err: unknown) => err instanceof ParseWorkerError && err.code === "parse-worker-failed");
  });
});
