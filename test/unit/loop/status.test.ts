import assert from "node:assert/strict";
import { servicesFromPlan } from "../../../reconciler/loop/status.ts";
import { diffFleet } from "../../../reconciler/plan/diff.ts";
import { input, observed, pod, service } from "../plan/mock.ts";

const v1 = pod();
const port = (hostPort: number) => [{ containerPort: 8080, protocol: "tcp" as const, hostIp: "127.0.0.11", hostPort }];

describe("servicesFromPlan (what /status and berth status show per service)", function () {
  it("counts healthy pods as ready and lists where each answers, engine-assigned ports included", function () {
    const plan = diffFleet(input({ observed: [observed(v1, 0, "h1", { ports: port(32768) }), observed(v1, 1, "h2", { ports: port(32769) }), observed(v1, 2, "h3", { ports: port(32770) })] }));
    const [web] = servicesFromPlan(plan, new Map());
    assert.deepEqual({ ready: web!.ready, desired: web!.desired, health: web!.health, hosts: web!.hosts }, { ready: 3, desired: 3, health: "healthy", hosts: ["h1", "h2", "h3"] });
    assert.deepEqual(web!.endpoints.map((e) => [e.host, e.slot, e.ports[0]!.hostPort]), [["h1", 0, 32768], ["h2", 1, 32769], ["h3", 2, 32770]]);
  });

  it("a pod the engine still calls starting is ready only when berth's own probe passed it", function () {
    const starting = observed(v1, 2, "h3", { health: "starting", pod: "p-fresh" });
    const plan = diffFleet(input({ observed: [observed(v1, 0, "h1"), observed(v1, 1, "h2"), starting] }));
    assert.equal(servicesFromPlan(plan, new Map())[0]!.ready, 2);
    assert.equal(servicesFromPlan(plan, new Map())[0]!.health, "degraded");
    const [web] = servicesFromPlan(plan, new Map(), { verified: new Set(["p-fresh"]) });
    assert.deepEqual({ ready: web!.ready, health: web!.health }, { ready: 3, health: "healthy" });
  });

  it("during a rolling update the pods being replaced still serve: 3/3 ready, progressing", function () {
    const v2 = pod({ specHash: "hash-v2" });
    const plan = diffFleet(input({ services: [service({ pod: v2 })], observed: [observed(v1, 0, "h1"), observed(v1, 1, "h2"), observed(v1, 2, "h3")] }));
    const [web] = servicesFromPlan(plan, new Map());
    assert.deepEqual({ ready: web!.ready, health: web!.health, hosts: web!.hosts }, { ready: 3, health: "progressing", hosts: ["h1", "h2", "h3"] });
  });

  it("an unhealthy pod is not ready, and a pending change shows as progressing", function () {
    const plan = diffFleet(input({ observed: [observed(v1, 0, "h1"), observed(v1, 1, "h2"), observed(v1, 2, "h3", { health: "unhealthy" })] }));
    const [web] = servicesFromPlan(plan, new Map());
    assert.equal(web!.ready, 2);
    assert.equal(web!.health, "progressing", "the unhealthy pod is recreated by the plan");
  });

  it("names the commit most pods run, and carries the last rollout result with its reason", function () {
    const plan = diffFleet(input({ observed: [observed(v1, 0, "h1", { commit: "old" }), observed(v1, 1, "h2", { commit: "new" }), observed(v1, 2, "h3", { commit: "new" })] }));
    const [web] = servicesFromPlan(plan, new Map([["web", { result: "rolled-back", reason: "pod never became healthy" }]]));
    assert.equal(web!.commit, "new");
    assert.deepEqual({ lastResult: web!.lastResult, reason: web!.reason }, { lastResult: "rolled-back", reason: "pod never became healthy" });
  });

  it("nothing running yet is down while progressing; a service deleted from git is not listed", function () {
    const gone = pod({ name: "old", specHash: "hash-old" });
    const plan = diffFleet(input({ services: [service()], observed: [observed(gone, 0, "h1")] }));
    const services = servicesFromPlan(plan, new Map());
    assert.deepEqual(services.map((s) => [s.name, s.ready, s.health]), [["web", 0, "progressing"]]);
    assert.ok(plan.services.some((s) => s.name === "old" && s.kind === "removed"), "the plan prunes it");
  });
});
