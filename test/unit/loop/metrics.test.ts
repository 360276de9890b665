/**
 * The daemon's registry (reconciler/loop/metrics.ts) follows Prometheus'
 * naming rules, which `promtool check metrics` only partly checks: counters
 * end in `_total` and nothing else does, units are base units, and every
 * HELP is a sentence. Node's standard metrics keep their standard names.
 * (promtool itself, on a daemon's /metrics: test/integration/daemon/metrics-promtool.test.ts.)
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Counter } from "prom-client";
import { createMetrics, type FleetStatus } from "../../../reconciler/loop/metrics.ts";
import type { ServiceStatus } from "../../../reconciler/loop/status.ts";
import { berthCommit, berthVersion } from "../../../reconciler/version.ts";
import { repoRoot } from "../../../testbed/layout.ts";

describe("the daemon's metrics registry", function () {
  const metrics = createMetrics();
  const all = () => metrics.registry.getMetricsAsJSON();

  it("names berth's own metrics by Prometheus' rules, each with a sentence of help", async () => {
    const own = metrics.registry.getMetricsAsArray().filter((m) => m.name.startsWith("berth_"));
    assert.ok(own.length >= 15, own.map((m) => m.name).join(", "));
    for (const m of own) {
      assert.match(m.name, /^berth_[a-z][a-z0-9_]*[a-z0-9]$/, m.name);
      if (m instanceof Counter) assert.match(m.name, /_total$/, `${m.name}: a counter ends in _total`);
      else assert.doesNotMatch(m.name, /_total$/, `${m.name}: only counters end in _total`);
      assert.doesNotMatch(m.name, /_(milliseconds|ms|minutes|kilobytes|megabytes|percent)(_|$)/, `${m.name}: base units (seconds, bytes)`);
      assert.match(m.help, /^[A-Z0-9].*\.$/, `${m.name}: help is a sentence`);
    }
  });

  it("has build info, and Node's process_ and nodejs_ metrics under their standard names", async () => {
    const names = (await all()).map((m) => m.name);
    for (const n of ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds", "nodejs_heap_size_used_bytes", "nodejs_eventloop_lag_seconds", "nodejs_version_info", "nodejs_gc_duration_seconds"]) assert.ok(names.includes(n), n);
    assert.deepEqual(names.filter((n) => n.startsWith("berth_process_") || n.startsWith("berth_nodejs_")), []);
    const info = (await metrics.registry.getSingleMetric("berth_build_info")!.get()).values;
    assert.deepEqual(info.map((v) => [v.labels, v.value]), [[{ version: berthVersion, commit: berthCommit }, 1]]);
  });

  it("reads host and service gauges from the status at each scrape: what left it is gone", async () => {
    const web: ServiceStatus = { name: "web", desired: 3, ready: 2, hosts: ["h1"], endpoints: [], health: "degraded" };
    let status: FleetStatus = { hosts: [{ name: "h1", reachable: true, state: "ready" }, { name: "h2", reachable: false, state: "unreachable" }], services: [web] };
    metrics.followStatus(() => status);
    const text = async () => (await metrics.registry.metrics()).split("\n").filter((l) => /^berth_(host_up|service_replicas)/.test(l));
    assert.deepEqual(await text(), ['berth_host_up{host="h1"} 1', 'berth_host_up{host="h2"} 0', 'berth_service_replicas_desired{service="web"} 3', 'berth_service_replicas_ready{service="web"} 2']);
    status = { hosts: [status.hosts[0]!, { name: "h2", reachable: true, state: "ready", leftGit: true }], services: [] };
    assert.deepEqual(await text(), ['berth_host_up{host="h1"} 1']);
  });

  it("every metric is in docs/metrics.md", async () => {
    const doc = readFileSync(path.join(repoRoot, "docs/metrics.md"), "utf8");
    const missing = (await all()).map((m) => m.name).filter((n) => !doc.includes(`\`${n}\``));
    assert.deepEqual(missing, []);
  });
});
