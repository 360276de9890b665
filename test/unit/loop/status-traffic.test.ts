/**
 * What /status and `berth status` show of an exposed service: where every
 * host answers on its ports, and each replica behind the proxies.
 */
import assert from "node:assert/strict";
import { exposedLines } from "../../../reconciler/cli/status.ts";
import { servicesFromPlan, withDraining } from "../../../reconciler/loop/status.ts";
import type { Plan } from "../../../reconciler/plan/types.ts";
import { podRef } from "../plan/plan-fixtures.ts";
import { trafficPlan } from "../plan/traffic-fixtures.ts";

const addresses = new Map([
  ["h1", "10.0.0.1"],
  ["h2", "10.0.0.2"],
  ["h3", "10.0.0.3"],
]);

/** The sample traffic plan with an unhealthy pod of web on h3, which no proxy routes. */
function withUnhealthy(): Plan {
  const p = trafficPlan();
  const sick = podRef({ host: "h3", slot: 2, pod: "p-3", status: "unhealthy", ports: [{ containerPort: 8080, protocol: "tcp", hostIp: "0.0.0.0", hostPort: 32770 }] });
  return { ...p, services: p.services.map((s) => (s.name === "web" ? { ...s, changes: [...s.changes, { action: "recreate", slot: 2, host: "h3", from: sick, reason: "unhealthy" }] } : s)) };
}

describe("status of exposed services", function () {
  it("lists each exposed port on every host with a proxy, at the host's address, with that proxy's state", function () {
    const web = servicesFromPlan(trafficPlan(), new Map(), { addresses }).find((s) => s.name === "web")!;
    assert.deepEqual(web.expose, [
      {
        port: 18080,
        targetPort: "http",
        addresses: [
          { host: "h1", address: "10.0.0.1:18080", proxy: "in-sync" },
          { host: "h2", address: "10.0.0.2:18080", proxy: "differs" },
          { host: "h3", address: "10.0.0.3:18080", proxy: "starting", portTaken: true },
        ],
      },
    ]);
  });

  it("a backend the plan routes is serving; a pod it does not route is not ready, with the engine's word for it", function () {
    const web = servicesFromPlan(withUnhealthy(), new Map(), { addresses }).find((s) => s.name === "web")!;
    assert.deepEqual(web.backends, [
      { host: "h1", slot: 0, pod: "p-1", state: "serving", status: "running", addresses: ["10.0.0.1:32768"] },
      { host: "h2", slot: 1, pod: "p-2", state: "serving", status: "running", addresses: ["10.0.0.2:32769"] },
      { host: "h3", slot: 2, pod: "p-3", state: "not-ready", status: "unhealthy", addresses: ["10.0.0.3:32770"] },
    ]);
  });

  it("a service that exposes nothing, and a plan without traffic, get neither field", function () {
    const services = servicesFromPlan(trafficPlan(), new Map(), { addresses });
    const proxy = services.find((s) => s.name === "berth-proxy")!;
    assert.equal("expose" in proxy || "backends" in proxy, false);
    const plain = servicesFromPlan({ ...trafficPlan(), traffic: undefined }, new Map(), { addresses }).find((s) => s.name === "web")!;
    assert.equal("expose" in plain || "backends" in plain, false);
  });

  it("without the hosts' addresses, a host is named by its name", function () {
    const web = servicesFromPlan(trafficPlan(), new Map()).find((s) => s.name === "web")!;
    assert.deepEqual(web.expose![0]!.addresses.map((a) => a.address), ["h1:18080", "h2:18080", "h3:18080"]);
  });

  it("withDraining: a serving pod the rollout drained is draining; a not-ready one stays not ready; other services are untouched", function () {
    const services = servicesFromPlan(withUnhealthy(), new Map(), { addresses });
    const after = withDraining(services, new Set(["p-1", "p-3", "px-1"]));
    assert.deepEqual(after.find((s) => s.name === "web")!.backends!.map((b) => [b.pod, b.state]), [["p-1", "draining"], ["p-2", "serving"], ["p-3", "not-ready"]]);
    assert.equal(after.find((s) => s.name === "berth-proxy"), services.find((s) => s.name === "berth-proxy"));
    assert.deepEqual(withDraining(services, new Set()), services);
  });

  it("berth status prints where every host answers and each replica's state", function () {
    const services = withDraining(servicesFromPlan(withUnhealthy(), new Map(), { addresses }), new Set(["p-1"]));
    assert.deepEqual(exposedLines(services), [
      "exposed:",
      "  web port 18080 → http: 10.0.0.1:18080 (h1), 10.0.0.2:18080 (h2: its proxy's routes differ until the next apply), 10.0.0.3:18080 (h3: no proxy runs there yet; the port is held by a container berth does not manage)",
      "    h1[0] pod p-1: draining at 10.0.0.1:32768",
      "    h2[1] pod p-2: serving at 10.0.0.2:32769",
      "    h3[2] pod p-3: not ready (unhealthy) at 10.0.0.3:32770",
    ]);
    assert.deepEqual(exposedLines(servicesFromPlan({ ...trafficPlan(), traffic: undefined }, new Map())), []);
  });
});
