/**
 * docs/grafana-dashboard.json is honest: it parses, it is a Grafana
 * dashboard on a `${DS_PROMETHEUS}` data source, every metric it queries is
 * one the daemon serves (createMetrics()'s registry: berth's own and Node's
 * process_/nodejs_), and every query is PromQL that `promtool check rules`
 * accepts. Without promtool the last check is pending here and fails with
 * CI=true.
 */
import { missingPart } from "../../support/missing-part.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Histogram } from "prom-client";
import { stringify } from "yaml";
import { createMetrics } from "../../../reconciler/loop/metrics.ts";
import { repoRoot } from "../../../testbed/layout.ts";

const PROMTOOL = process.env.BERTH_PROMTOOL ?? "/usr/bin/promtool";

interface Dashboard {
  readonly schemaVersion: number;
  readonly templating: { readonly list: readonly { readonly name: string; readonly type: string; readonly query: unknown; readonly definition?: string }[] };
  readonly panels: readonly { readonly id: number; readonly title: string; readonly datasource: { readonly uid: string }; readonly targets: readonly { readonly refId: string; readonly expr: string; readonly datasource: { readonly uid: string } }[] }[];
}

const dashboard = JSON.parse(readFileSync(path.join(repoRoot, "docs/grafana-dashboard.json"), "utf8")) as Dashboard;
const queries = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: `panel "${p.title}" query ${t.refId}`, expr: t.expr })));

/** The metric names an expression names: berth's and Node's standard prefixes (labels and functions never start so). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(?:berth|process|nodejs)_[a-z0-9_]+/g)].map((m) => m[0]);
}

describe("docs/grafana-dashboard.json", function () {
  it("is a dashboard of schema 39 on the ${DS_PROMETHEUS} data source variable, every panel and query on it", () => {
    assert.equal(dashboard.schemaVersion, 39);
    const ds = dashboard.templating.list.find((v) => v.name === "DS_PROMETHEUS");
    assert.deepEqual([ds?.type, ds?.query], ["datasource", "prometheus"]);
    for (const p of dashboard.panels) {
      assert.equal(p.datasource.uid, "${DS_PROMETHEUS}", p.title);
      for (const t of p.targets) assert.equal(t.datasource.uid, "${DS_PROMETHEUS}", `${p.title} ${t.refId}`);
    }
    assert.equal(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length, "panel ids are unique");
  });

  it("queries the per-host, per-service, rollout, reconcile duration, leader and process metrics", () => {
    const named = new Set(queries.flatMap((q) => metricNames(q.expr)));
    for (const n of ["berth_host_up", "berth_service_replicas_ready", "berth_service_replicas_desired", "berth_rollouts_total", "berth_reconcile_duration_seconds_bucket", "berth_leader", "process_cpu_seconds_total", "process_resident_memory_bytes"]) assert.ok(named.has(n), n);
  });

  it("queries only metrics the daemon serves", () => {
    const served = new Set(createMetrics().registry.getMetricsAsArray().flatMap((m) => (m instanceof Histogram ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name])));
    const variables = dashboard.templating.list.flatMap((v) => (v.definition ? [{ where: `variable ${v.name}`, expr: v.definition }] : []));
    const unknown = [...queries, ...variables].flatMap((q) => metricNames(q.expr).filter((n) => !served.has(n)).map((n) => `${q.where}: ${n}`));
    assert.deepEqual(unknown, []);
  });

  it("has only PromQL that promtool accepts", function () {
    if (!existsSync(PROMTOOL)) {
      missingPart(this, "the dashboard's PromQL check", `${PROMTOOL} is missing: install Debian's prometheus package (apt-get install -y --no-install-recommends prometheus)`);
    }
    // Grafana's variables as Prometheus would receive them; each query becomes a recording rule for promtool to parse.
    const promql = (expr: string) => expr.replaceAll("$__rate_interval", "5m").replaceAll("$instance", ".+");
    const rules = { groups: [{ name: "dashboard", rules: queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: promql(q.expr) })) }] };
    const dir = mkdtempSync(path.join(os.tmpdir(), "berth-dashboard-"));
    try {
      const file = path.join(dir, "rules.yaml");
      writeFileSync(file, stringify(rules));
      const r = spawnSync(PROMTOOL, ["check", "rules", file], { encoding: "utf8" });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      assert.match(r.stdout, new RegExp(`SUCCESS: ${queries.length} rules found`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
