/**
 * Reading a Prometheus instant query as one number, or why not, against
 * the answers Prometheus' HTTP API gives (api/v1/query). The real server:
 * test/integration/autoscale/.
 */
import assert from "node:assert/strict";
import { queryPrometheus } from "../../../reconciler/autoscale/sample-metrics.ts";

const answer = (status: number, body: unknown): typeof fetch => (async () => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } })) as typeof fetch;

describe("autoscale: a Prometheus query as one number", function () {
  const cases: { name: string; fetch: typeof fetch; want: number | RegExp }[] = [
    { name: "a vector of one series", fetch: answer(200, { status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [1733130000, "12.5"] }] } }), want: 12.5 },
    { name: "a scalar", fetch: answer(200, { status: "success", data: { resultType: "scalar", result: [1733130000, "3"] } }), want: 3 },
    { name: "no series (nothing scraped yet)", fetch: answer(200, { status: "success", data: { resultType: "vector", result: [] } }), want: /gave 0 series, not one; aggregate it/ },
    { name: "several series", fetch: answer(200, { status: "success", data: { resultType: "vector", result: [{ value: [0, "1"] }, { value: [0, "2"] }] } }), want: /gave 2 series, not one/ },
    { name: "NaN", fetch: answer(200, { status: "success", data: { resultType: "scalar", result: [0, "NaN"] } }), want: /gave NaN/ },
    { name: "a bad query", fetch: answer(400, { status: "error", errorType: "bad_data", error: "parse error at char 5" }), want: /answered 400: parse error at char 5/ },
    { name: "Prometheus down", fetch: (async () => Promise.reject(new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:9090") }))) as typeof fetch, want: /did not answer \(connect ECONNREFUSED 127\.0\.0\.1:9090\)/ },
  ];
  for (const c of cases) {
    it(c.name, async function () {
      const got = await queryPrometheus("http://127.0.0.1:9090", "avg(app_load)", { fetch: c.fetch });
      if (typeof c.want === "number") assert.equal(got, c.want);
      else assert.match(String(got), c.want);
    });
  }
});
