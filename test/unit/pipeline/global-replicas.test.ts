/**
 * Global services (pipeline/global-replicas.ts): which hosts they run on,
 * and, through planObserved with hand-made observations, that the plan puts
 * one pod on each of those hosts and follows hosts joining and leaving git
 * without touching the others. Also the proxy berth adds for exposed
 * services.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { HostObservation, ObservedContainer } from "../../../reconciler/docker/types.ts";
import { LABEL } from "../../../reconciler/docker/labels.ts";
import type { Constraint, Fleet, HostSpec, ServiceSpec } from "../../../reconciler/model/fleet.ts";
import type { PodSpec } from "../../../reconciler/model/pod.ts";
import { globalHosts, withGlobalReplicas } from "../../../reconciler/pipeline/global-replicas.ts";
import { planObserved } from "../../../reconciler/pipeline/plan-fleet.ts";
import type { Plan, ServicePlan } from "../../../reconciler/plan/types.ts";
import { PROXY_SERVICE } from "../../../reconciler/traffic/proxy-service.ts";
import { FakeFleet } from "../../support/fake-host.ts";
import { pod, rollout } from "../plan/mock.ts";

const host = (name: string, over: Partial<HostSpec> = {}): HostSpec => ({
  name,
  endpoint: `tcp://${name}:2375`,
  insecure: true,
  labels: {},
  drain: false,
  source: { file: "hosts.yaml", line: 1 },
  ...over,
});

const svc = (over: Partial<ServiceSpec> & { name: string; pod: PodSpec }): ServiceSpec => ({
  replicas: 0,
  placement: { constraints: [], strategy: "spread", distinctHosts: true, mode: "global" },
  rollout: rollout(),
  labels: {},
  source: { file: `services/${over.name}.yaml`, line: 1 },
  ...over,
});

const c = (label: string, op: Constraint["op"], ...values: string[]): Constraint => ({ label, op, values });

describe("pipeline: globalHosts", () => {
  const hosts = [
    host("h1", { labels: { zone: "a", ssd: "yes" } }),
    host("h2", { labels: { zone: "b" } }),
    host("h3", { labels: { zone: "a" }, drain: true }),
    host("h4", { labels: { zone: "c", ssd: "no" } }),
  ];
  const cases: { name: string; constraints: Constraint[]; want: string[] }[] = [
    { name: "no constraint: every host that is not drained", constraints: [], want: ["h1", "h2", "h4"] },
    { name: "== (a drained host that matches is still left out)", constraints: [c("zone", "==", "a")], want: ["h1"] },
    { name: "!= keeps hosts without the label", constraints: [c("zone", "!=", "b")], want: ["h1", "h4"] },
    { name: "exists", constraints: [c("ssd", "exists")], want: ["h1", "h4"] },
    { name: "in", constraints: [c("zone", "in", "b", "c")], want: ["h2", "h4"] },
    { name: "notin", constraints: [c("zone", "notin", "a")], want: ["h2", "h4"] },
    { name: "all constraints must pass", constraints: [c("ssd", "exists"), c("zone", "!=", "a")], want: ["h4"] },
    { name: "none passes", constraints: [c("zone", "==", "z")], want: [] },
  ];
  for (const k of cases) {
    it(k.name, () => {
      const placement = { constraints: k.constraints, strategy: "spread" as const, distinctHosts: true, mode: "global" as const };
      assert.deepEqual(globalHosts({ placement }, hosts).map((h) => h.name), k.want);
    });
  }
});

describe("pipeline: withGlobalReplicas", () => {
  it("sets a global service's replicas from its hosts, with distinct hosts; leaves a replicated one alone", () => {
    const replicated: ServiceSpec = { ...svc({ name: "web", pod: pod() }), replicas: 3, placement: { constraints: [], strategy: "spread", distinctHosts: false } };
    const global = svc({ name: "agent", pod: pod({ name: "agent" }), placement: { constraints: [c("zone", "==", "a")], strategy: "binpack", distinctHosts: false, mode: "global" } });
    const hosts = [host("h1", { labels: { zone: "a" } }), host("h2", { labels: { zone: "a" } }), host("h3", { labels: { zone: "b" } }), host("h4", { labels: { zone: "a" }, drain: true })];
    const [web, agent] = withGlobalReplicas([replicated, global], hosts);
    assert.equal(web, replicated);
    assert.equal(agent!.replicas, 2);
    assert.deepEqual(agent!.placement, { ...global.placement, distinctHosts: true });
  });
});

// planObserved with observations made by hand.

const OWNER = "o";
const agentPod = pod({ name: "agent", ports: [], specHash: "agent-v1" });
const agent = svc({ name: "agent", pod: agentPod });
const web = svc({
  name: "web",
  pod: pod(),
  replicas: 2,
  placement: { constraints: [], strategy: "spread", distinctHosts: true },
  expose: [{ port: 18080, targetPort: "http", containerPort: 8080 }],
});

const fleetOf = (hosts: readonly HostSpec[], services: readonly ServiceSpec[]): Fleet => ({
  hosts,
  services,
  jobs: [],
  templates: [],
  policy: { allowPrivileged: false, allowHostNetwork: false, allowedHostPaths: [], allowEmpty: false },
});

/** The main container of a running pod of `spec`, slot `slot`, on `h`. */
const running = (spec: PodSpec, h: string, slot: number): ObservedContainer => ({
  host: h,
  id: `${spec.name}-${h}-c`,
  name: `${spec.name}-${slot}`,
  labels: { [LABEL.spec]: JSON.stringify(spec) },
  image: spec.containers[0]!.image,
  state: "running",
  health: "healthy",
  createdAt: 0,
  ports: [],
  owner: OWNER,
  kind: "service",
  group: spec.name,
  slot,
  container: "main",
  pod: `${spec.name}-${h}`,
  specHash: spec.specHash,
  commit: "c0",
});

interface World {
  /** Hosts in git. */
  readonly inGit: readonly string[];
  /** Hosts that left git but were deployed to. */
  readonly departed?: readonly string[];
  readonly services: readonly ServiceSpec[];
  /** What runs now, by host. */
  readonly running?: readonly ObservedContainer[];
}

function plan(w: World): Plan {
  const specs = [...w.inGit, ...(w.departed ?? [])].map((n) => host(n));
  const fake = new FakeFleet();
  const observations: HostObservation[] = specs.map((h) => ({ host: h.name, ok: true, containers: (w.running ?? []).filter((x) => x.host === h.name), capacity: { cpu: 8, memory: 16 * 2 ** 30 }, portsInUse: [] }));
  return planObserved(
    {
      fleet: fleetOf(specs.filter((h) => w.inGit.includes(h.name)), w.services),
      connected: { specs, departed: new Set(w.departed ?? []), hosts: new Map(specs.map((h) => [h.name, fake.host(h.name)])), refused: new Map() },
      owner: OWNER,
      commit: "c1",
      now: 0,
      seed: 7,
    },
    observations,
  ).plan;
}

/** `action host` of each change (the pod's host for a remove or keep). */
function changes(s: ServicePlan | undefined): string[] {
  return (s?.changes ?? []).map((ch) => `${ch.action} ${"host" in ch ? ch.host : "-"}`).sort();
}

const service = (p: Plan, name: string) => p.services.find((s) => s.name === name);

describe("pipeline: planObserved with a global service", () => {
  it("an empty fleet: one create on every host", () => {
    const p = plan({ inGit: ["h1", "h2", "h3"], services: [agent] });
    assert.equal(service(p, "agent")!.replicas, 3);
    assert.equal(service(p, "agent")!.global, true);
    assert.deepEqual(changes(service(p, "agent")), ["create h1", "create h2", "create h3"]);
  });

  it("a host added to git gets exactly one create; the others keep their pods", () => {
    const p = plan({ inGit: ["h1", "h2", "h3"], services: [agent], running: [running(agentPod, "h1", 0), running(agentPod, "h2", 1)] });
    assert.deepEqual(changes(service(p, "agent")), ["create h3", "keep h1", "keep h2"]);
  });

  for (const gone of ["h1", "h2", "h3"]) {
    // h1 and h2 hold lower slots than h3: the pods left must keep their slots, not shift into the freed one.
    it(`a host that leaves git (${gone}) loses its pod; every other pod is kept`, () => {
      const inGit = ["h1", "h2", "h3"].filter((h) => h !== gone);
      const p = plan({ inGit, departed: [gone], services: [agent], running: ["h1", "h2", "h3"].map((h, i) => running(agentPod, h, i)) });
      assert.deepEqual(changes(service(p, "agent")), [`remove ${gone}`, ...inGit.map((h) => `keep ${h}`)].sort());
    });
  }

  it("a host that becomes drained is not counted (its pod, in the last slot, goes)", () => {
    const specs = ["h1", "h2"];
    const fake = new FakeFleet();
    const hosts = [host("h1"), host("h2", { drain: true })];
    const observations: HostObservation[] = specs.map((h, i) => ({ host: h, ok: true, containers: [running(agentPod, h, i)], capacity: { cpu: 8, memory: 2 ** 34 }, portsInUse: [] }));
    const { plan: p } = planObserved(
      { fleet: fleetOf(hosts, [agent]), connected: { specs: hosts, departed: new Set(), hosts: new Map(specs.map((h) => [h, fake.host(h)])), refused: new Map() }, owner: OWNER, commit: "c1", now: 0, seed: 7 },
      observations,
    );
    assert.equal(service(p, "agent")!.replicas, 1);
    assert.deepEqual(changes(service(p, "agent")), ["keep h1", "remove h2"]);
  });
});

describe("pipeline: global service invariant (property)", () => {
  // Hosts h1..h6, each now running a pod or not, each in git, departed, or drained: the plan keeps
  // every pod on an eligible host and gives each eligible host without one exactly one new pod
  // (a create, or a pod moved from a host that is no longer eligible); no other host gets one.
  it("one pod per eligible host; a pod on an eligible host is never touched", () => {
    const names = ["h1", "h2", "h3", "h4", "h5", "h6"];
    const hostArb = fc.record({ where: fc.constantFrom("git", "departed", "drained"), runs: fc.boolean() });
    fc.assert(
      fc.property(fc.array(hostArb, { minLength: names.length, maxLength: names.length }), (states) => {
        const specs = names.map((n, i) => host(n, { drain: states[i]!.where === "drained" }));
        const inGit = specs.filter((_, i) => states[i]!.where !== "departed");
        const departed = new Set(names.filter((_, i) => states[i]!.where === "departed"));
        // Slots are those a previous plan gave: the running hosts in order.
        let slot = 0;
        const containers = names.flatMap((n, i) => (states[i]!.runs ? [running(agentPod, n, slot++)] : []));
        const fake = new FakeFleet();
        const observations: HostObservation[] = names.map((n) => ({ host: n, ok: true, containers: containers.filter((x) => x.host === n), capacity: { cpu: 8, memory: 2 ** 34 }, portsInUse: [] }));
        const { plan: p } = planObserved(
          { fleet: fleetOf(inGit, [agent]), connected: { specs: [...inGit, ...specs.filter((h) => departed.has(h.name))], departed, hosts: new Map(names.map((n) => [n, fake.host(n)])), refused: new Map() }, owner: OWNER, commit: "c1", now: 0, seed: 7 },
          observations,
        );
        const eligible = names.filter((_, i) => states[i]!.where === "git");
        const got = service(p, "agent")!.changes;
        const live = got.filter((ch) => ch.action === "keep" || ch.action === "create" || ch.action === "replace").map((ch) => ("host" in ch ? ch.host : "?")).sort();
        assert.deepEqual(live, eligible);
        for (const [i, n] of names.entries()) {
          if (states[i]!.where === "git" && states[i]!.runs) assert.ok(got.some((ch) => ch.action === "keep" && ch.host === n), `the pod on ${n} is kept`);
          if (states[i]!.where !== "git") assert.ok(!got.some((ch) => ch.action === "keep" && ch.host === n), `nothing is kept on ${n}`);
        }
      }),
      { numRuns: 200, seed: 42 },
    );
  });
});

describe("pipeline: the proxy for exposed services", () => {
  it("a fleet with an exposed service gets berth-proxy: global (a pod on every host), host network", () => {
    const p = plan({ inGit: ["h1", "h2", "h3"], services: [web] });
    const proxy = service(p, PROXY_SERVICE);
    assert.ok(proxy, "berth-proxy is in the plan");
    assert.equal(proxy.kind, "service");
    assert.equal(proxy.global, true);
    assert.equal(service(p, "web")!.global, undefined);
    assert.equal(proxy.pod?.network, "host");
    assert.equal(proxy.replicas, 3);
    assert.deepEqual(changes(proxy), ["create h1", "create h2", "create h3"]);
    assert.deepEqual(proxy.rollout && { order: proxy.rollout.order, maxSurge: proxy.rollout.maxSurge }, { order: "stop-first", maxSurge: 0 });
    // The plan's traffic names every host's proxy as starting.
    assert.deepEqual(p.traffic?.proxies, ["h1", "h2", "h3"].map((h) => ({ host: h, routes: "starting" })));
  });

  it("a fleet without exposes has no berth-proxy and no traffic section", () => {
    const { expose: _, ...plain } = web;
    const p = plan({ inGit: ["h1", "h2"], services: [plain, agent] });
    assert.deepEqual(p.services.map((s) => s.name), ["agent", "web"]);
    assert.equal(p.traffic, undefined);
  });
});
