/** `spec.autoscale` as loaded: defaults, and the errors at their exact line and column. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadFleet } from "../../../reconciler/load/load-fleet.ts";
import { readRepoDir } from "../../../reconciler/load/read-dir.ts";
import { formatDiagnostic } from "../../../reconciler/load/diagnostic.ts";
import { TEST_OPERATOR } from "../../support/operator.ts";

const svc = (autoscale: string, extra = "") => `apiVersion: berth/v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  image: app:v1\n${extra}  autoscale:\n${autoscale}`;

describe("autoscale: loading spec.autoscale", function () {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), "berth-autoscale-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const load = async (text: string, operator = TEST_OPERATOR) => {
    writeFileSync(path.join(dir, "web.yaml"), text);
    return loadFleet(await readRepoDir(dir), { operator });
  };

  it("fills HPA's defaults: 5 m before scaling in, at once out, 4 a step", async function () {
    const r = await load(svc("    min: 2\n    max: 10\n    cpu: { targetPercent: 60 }\n"));
    assert.ok(r.ok, JSON.stringify(!r.ok && r.diagnostics));
    assert.deepEqual(r.fleet.services[0]!.autoscale, { min: 2, max: 10, cpuPercent: 60, scaleInWindowMs: 300_000, scaleOutWindowMs: 0, maxStep: 4 });
  });

  const errors: { name: string; text: string; operator?: typeof TEST_OPERATOR; want: string }[] = [
    { name: "max below min", text: svc("    min: 3\n    max: 2\n    cpu: { targetPercent: 60 }\n"), want: "web.yaml:9:10: error: autoscale max 2 is below min 3 (at spec.autoscale.max)" },
    { name: "no metric", text: svc("    min: 1\n    max: 2\n"), want: "web.yaml:7:3: error: autoscale needs a metric to follow: cpu: {targetPercent: …}, prometheus: {url, query, target}, or both (at spec.autoscale)" },
    { name: "a global service", text: svc("    min: 1\n    max: 2\n    cpu: { targetPercent: 60 }\n", "  placement:\n    mode: global\n"), want: "web.yaml:9:3: error: a global service runs one pod per host: it cannot be autoscaled; remove autoscale or placement.mode (at spec.autoscale)" },
    {
      name: "a Prometheus the operator does not allow",
      text: svc('    min: 1\n    max: 2\n    prometheus: { url: "http://10.0.0.9:9090", query: "avg(x)", target: 5 }\n'),
      want: "web.yaml:10:24: error: Prometheus http://10.0.0.9:9090 is not one the operator lets repositories query (allowed: none; autoscale.prometheusUrls in the default operator config, as no --config was given) (at spec.autoscale.prometheus.url)",
    },
  ];
  for (const c of errors) {
    it(`refuses ${c.name}, at its line and column`, async function () {
      const r = await load(c.text, c.operator);
      assert.equal(r.ok, false);
      assert.deepEqual(!r.ok && r.diagnostics.map((d) => formatDiagnostic(d).replace(`${dir}/`, "")), [c.want]);
    });
  }

  it("takes a Prometheus the operator allows", async function () {
    const operator = { ...TEST_OPERATOR, config: { ...TEST_OPERATOR.config, autoscale: { prometheusUrls: ["http://127.0.0.1:9090"], intervalMs: 15_000 } } };
    const r = await load(svc('    min: 1\n    max: 2\n    prometheus: { url: "http://127.0.0.1:9090/", query: "avg(x)", target: 5 }\n'), operator);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.diagnostics));
    assert.deepEqual(r.fleet.services[0]!.autoscale?.prometheus, { url: "http://127.0.0.1:9090", query: "avg(x)", target: 5 });
  });
});
