/**
 * The autoscaling decision, table by table (issue 20): HPA's rule, the
 * tolerance band, the bounds, the stabilisation windows, the step limit,
 * and a metric that cannot be read.
 */
import assert from "node:assert/strict";
import { decide, startingHistory, type DecisionInput } from "../../../reconciler/autoscale/decide.ts";
import type { AutoscaleSpec } from "../../../reconciler/model/fleet.ts";

const M = 60_000;
const spec = (over: Partial<AutoscaleSpec> = {}): AutoscaleSpec => ({ min: 2, max: 10, cpuPercent: 60, scaleInWindowMs: 5 * M, scaleOutWindowMs: 0, maxStep: 4, ...over });
const at = (replicas: number, minutesAgo: number, now = 100 * M) => ({ at: now - minutesAgo * M, replicas });

describe("autoscale: one decision", function () {
  const cases: { name: string; input: Partial<DecisionInput>; replicas: number; reason?: string | RegExp }[] = [
    { name: "scales out by ceil(current × metric / target)", input: { current: 2, sample: { cpuPercent: 90 } }, replicas: 3, reason: "cpu 90 % vs target 60 %" },
    { name: "83 % over 60 % with 5 replicas: ceil(6.92) = 7", input: { current: 5, sample: { cpuPercent: 83 } }, replicas: 7 },
    { name: "within +10 % of the target: nothing changes", input: { current: 4, sample: { cpuPercent: 66 } }, replicas: 4 },
    { name: "within -10 % of the target: nothing changes", input: { current: 4, sample: { cpuPercent: 54 } }, replicas: 4 },
    { name: "just past the band: it moves", input: { current: 4, sample: { cpuPercent: 66.1 } }, replicas: 5 },
    { name: "never above max", input: { current: 8, sample: { cpuPercent: 200 } }, replicas: 10 },
    { name: "never below min, with no scale-in window", input: { current: 3, sample: { cpuPercent: 1 }, spec: spec({ scaleInWindowMs: 0 }) }, replicas: 2 },
    { name: "at most maxStep per decision", input: { current: 2, sample: { cpuPercent: 600 } }, replicas: 6, reason: "cpu 600 % vs target 60 %; at most 4 a step" },
    { name: "maxStep 1", input: { current: 2, sample: { cpuPercent: 600 }, spec: spec({ maxStep: 1 }) }, replicas: 3 },
    { name: "bounds that changed in git take effect at once, past the step limit", input: { current: 9, sample: { cpuPercent: 60 }, spec: spec({ max: 3 }) }, replicas: 3 },
    { name: "a raised min at once too", input: { current: 2, sample: { cpuPercent: 60 }, spec: spec({ min: 8 }) }, replicas: 8 },
    { name: "scale-in waits: a higher recommendation 4 minutes ago holds the count", input: { current: 6, sample: { cpuPercent: 20 }, history: [at(6, 4)] }, replicas: 6 },
    { name: "scale-in to the highest recommendation of the window, and the reason says the window holds it", input: { current: 6, sample: { cpuPercent: 20 }, history: [at(6, 6), at(4, 3), at(3, 1)] }, replicas: 4, reason: "cpu 20 % vs target 60 %; 2 recommended, the scale-in window keeps 4" },
    { name: "scale-in once the window holds nothing higher", input: { current: 6, sample: { cpuPercent: 20 }, history: [at(6, 6)] }, replicas: 2 },
    { name: "scale-out is at once (window 0), whatever came before", input: { current: 2, sample: { cpuPercent: 90 }, history: [at(2, 0.1)] }, replicas: 3 },
    { name: "a scale-out window takes the lowest recommendation in it", input: { current: 2, sample: { cpuPercent: 150 }, history: [at(3, 0.5)], spec: spec({ scaleOutWindowMs: M }) }, replicas: 3 },
    { name: "both metrics: the higher count wins", input: { current: 4, sample: { cpuPercent: 30, prometheus: 20 }, spec: spec({ prometheus: { url: "http://p:9090", query: "avg(app_load)", target: 10 } }) }, replicas: 8, reason: "cpu 30 % vs target 60 %, avg(app_load) = 20 vs target 10" },
    { name: "cpu unreadable: the count holds, and says so", input: { current: 5, sample: {} }, replicas: 5, reason: "cpu unavailable: holding 5" },
    { name: "prometheus down with cpu readable: still holds (no half decision)", input: { current: 5, sample: { cpuPercent: 100 }, spec: spec({ prometheus: { url: "http://p:9090", query: "q", target: 1 } }) }, replicas: 5, reason: /^prometheus unavailable: holding 5$/ },
    { name: "held within the bounds git sets now", input: { current: 12, sample: {} }, replicas: 10 },
  ];
  for (const c of cases) {
    it(c.name, function () {
      const d = decide({ spec: spec(), current: 2, sample: {}, history: [], now: 100 * M, ...c.input });
      assert.equal(d.replicas, c.replicas);
      if (typeof c.reason === "string") assert.equal(d.reason, c.reason);
      else if (c.reason) assert.match(d.reason, c.reason);
    });
  }

  it("keeps only the recommendations of the longer window, and adds this one", function () {
    const d = decide({ spec: spec(), current: 4, sample: { cpuPercent: 60 }, history: [at(5, 7), at(4, 2)], now: 100 * M });
    assert.deepEqual(d.history, [at(4, 2), at(4, 0)]);
  });

  it("after a start, a scale-in waits a whole window; a scale-out does not", function () {
    const t0 = 100 * M;
    let history = startingHistory(6, t0);
    const low = (now: number) => decide({ spec: spec(), current: 6, sample: { cpuPercent: 10 }, history, now });
    assert.equal(low(t0 + 4 * M).replicas, 6);
    history = [...low(t0 + 4 * M).history];
    assert.equal(low(t0 + 5 * M + 1).replicas, 2, "the start's recommendation has left the window; the one at 4 m recommended 2 too");
    assert.equal(decide({ spec: spec(), current: 6, sample: { cpuPercent: 90 }, history: startingHistory(6, t0), now: t0 + 1 }).replicas, 9);
  });
});
