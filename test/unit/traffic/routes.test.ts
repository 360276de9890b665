/**
 * The traffic part of a plan (traffic/routes.ts): which replicas serve when
 * the apply starts, where they are reached, and the state of each host's
 * proxy.
 */
import assert from "node:assert/strict";
import type { HostObservation, ProxyObservation, PublishedPort } from "../../../reconciler/docker/types.ts";
import type { PlanChange, PlanHost, PodRef, ServicePlan } from "../../../reconciler/plan/types.ts";
import { renderProxyConfig } from "../../../reconciler/traffic/haproxy-config.ts";
import { PROXY_SERVICE } from "../../../reconciler/traffic/proxy-service.ts";
import { proxiesInSync, publishedAddress, trafficPlan, trafficWarnings, type TrafficPlanInput } from "../../../reconciler/traffic/routes.ts";

const EXPOSE = [{ port: 18080, targetPort: "http", containerPort: 8080 }] as const;

const tcp = (hostPort: number, hostIp = "0.0.0.0", containerPort = 8080): PublishedPort => ({ containerPort, protocol: "tcp", hostIp, hostPort });

const ref = (pod: string, host: string, slot: number, status: string, ports: readonly PublishedPort[] = [tcp(30000 + slot)]): PodRef => ({
  host,
  pod,
  slot,
  specHash: "h",
  commit: "c",
  status,
  containers: [{ id: `${pod}-main`, name: `web-${slot}`, container: "main" }],
  ports,
});

const svc = (changes: PlanChange[], over: Partial<ServicePlan> = {}): ServicePlan => ({ name: "web", kind: "service", replicas: changes.length, expose: EXPOSE, changes, waves: [], ...over });

const ready = (...names: string[]): PlanHost[] => names.map((name) => ({ name, state: "ready" }));

const ok = (host: string, portsInUse: number[] = []): HostObservation => ({ host, ok: true, containers: [], capacity: { cpu: 1, memory: 1 }, portsInUse });

const input = (over: Partial<TrafficPlanInput>): TrafficPlanInput => ({
  services: [],
  hosts: ready("h1", "h2"),
  observations: [ok("h1"), ok("h2")],
  proxies: [],
  addresses: new Map([
    ["h1", "10.0.0.1"],
    ["h2", "10.0.0.2"],
  ]),
  ...over,
});

describe("traffic: trafficPlan backends (what serves now)", () => {
  const cases: { name: string; change: PlanChange; serving: boolean }[] = [
    { name: "keep, running (no health check)", change: { action: "keep", slot: 0, host: "h1", from: ref("p", "h1", 0, "running") }, serving: true },
    { name: "keep, healthy", change: { action: "keep", slot: 0, host: "h1", from: ref("p", "h1", 0, "healthy") }, serving: true },
    // The engine's first check has not reported yet, though berth's gate may have passed the pod; HAProxy's own check keeps traffic off it until it answers.
    { name: "keep, starting", change: { action: "keep", slot: 0, host: "h1", from: ref("p", "h1", 0, "starting") }, serving: true },
    { name: "replace, from a healthy pod (it serves until drained)", change: { action: "replace", slot: 0, host: "h2", from: ref("p", "h1", 0, "healthy"), reasons: ["image"], order: "start-first" }, serving: true },
    { name: "replace, from an unhealthy pod", change: { action: "replace", slot: 0, host: "h1", from: ref("p", "h1", 0, "unhealthy"), reasons: ["image"], order: "start-first" }, serving: false },
    { name: "remove, from a running pod", change: { action: "remove", slot: 0, host: "h1", from: ref("p", "h1", 0, "running"), reason: "scaled down" }, serving: true },
    { name: "resize, from a running pod", change: { action: "resize", slot: 0, host: "h1", from: ref("p", "h1", 0, "running"), reasons: ["cpu"], resources: [] }, serving: true },
    { name: "recreate, from an exited pod", change: { action: "recreate", slot: 0, host: "h1", from: ref("p", "h1", 0, "exited (1)"), reason: "exited" }, serving: false },
    { name: "a pod with a missing container", change: { action: "keep", slot: 0, host: "h1", from: ref("p", "h1", 0, "running, a container is missing or stopped") }, serving: false },
    { name: "create (no pod yet)", change: { action: "create", slot: 0, host: "h1", reason: "new" }, serving: false },
    { name: "a running pod that publishes only udp", change: { action: "keep", slot: 0, host: "h1", from: ref("p", "h1", 0, "running", [{ containerPort: 8080, protocol: "udp", hostIp: "0.0.0.0", hostPort: 30000 }]) }, serving: false },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.serving ? "serving" : "not serving"}`, () => {
      const t = trafficPlan(input({ services: [svc([c.change])] }));
      const pods = t!.services[0]!.backends.map((b) => b.pod);
      assert.deepEqual(pods, c.serving ? ["p"] : []);
    });
  }

  // Guards the bug where servingNow read only changes with `from`: the running pod an `unplaced`
  // change leaves alone (its `left`) was no backend, so the first push took it out of every proxy
  // although berth kept it running, the slot's only replica.
  it("the pod an unplaced slot leaves running still serves", () => {
    const t = trafficPlan(input({ services: [svc([{ action: "unplaced", slot: 0, reason: "cpu exhausted", left: ref("p", "h1", 0, "healthy") }])] }));
    assert.deepEqual(t!.services[0]!.backends.map((b) => b.pod), ["p"]);
  });

  it("backends are sorted by host, slot, pod, with their tcp ports by container port", () => {
    const t = trafficPlan(
      input({
        services: [
          svc([
            { action: "keep", slot: 1, host: "h2", from: ref("b", "h2", 1, "healthy", [tcp(31001), tcp(31002, "0.0.0.0", 9090), { containerPort: 53, protocol: "udp", hostIp: "0.0.0.0", hostPort: 31053 }]) },
            { action: "keep", slot: 0, host: "h2", from: ref("a", "h2", 0, "healthy", [tcp(31000)]) },
            { action: "remove", slot: 2, host: "h1", from: ref("c", "h1", 2, "running", [tcp(31003, "10.9.9.9")]), reason: "duplicate" },
          ]),
        ],
      }),
    );
    assert.deepEqual(t!.services, [
      {
        service: "web",
        expose: EXPOSE,
        backends: [
          { host: "h1", slot: 2, pod: "c", address: "10.9.9.9", ports: { "8080": 31003 } },
          { host: "h2", slot: 0, pod: "a", address: "10.0.0.2", ports: { "8080": 31000 } },
          { host: "h2", slot: 1, pod: "b", address: "10.0.0.2", ports: { "8080": 31001, "9090": 31002 } },
        ],
      },
    ]);
  });

  it("no exposed service: no traffic section (a removed service's expose does not count)", () => {
    assert.equal(trafficPlan(input({ services: [svc([], { expose: undefined })] })), undefined);
    assert.equal(trafficPlan(input({ services: [svc([], { kind: "removed" })] })), undefined);
  });
});

describe("traffic: publishedAddress", () => {
  const cases: { name: string; ports: PublishedPort[] | undefined; want: string }[] = [
    { name: "IPv4 wildcard: the host's address", ports: [tcp(1, "0.0.0.0")], want: "10.0.0.1" },
    { name: "IPv6 wildcard: the host's address", ports: [tcp(1, "::")], want: "10.0.0.1" },
    { name: "empty hostIp: the host's address", ports: [tcp(1, "")], want: "10.0.0.1" },
    { name: "bound to one address: that address", ports: [tcp(1, "192.168.5.5")], want: "192.168.5.5" },
    { name: "a udp port's bind does not count", ports: [{ containerPort: 53, protocol: "udp", hostIp: "192.168.5.5", hostPort: 53 }, tcp(1)], want: "10.0.0.1" },
    { name: "no ports", ports: undefined, want: "10.0.0.1" },
  ];
  for (const c of cases) it(c.name, () => assert.equal(publishedAddress(c.ports, "10.0.0.1"), c.want));

  it("a host missing from the addresses is reached by its name", () => {
    const t = trafficPlan(input({ services: [svc([{ action: "keep", slot: 0, host: "h9", from: ref("p", "h9", 0, "running") }])], addresses: new Map() }));
    assert.equal(t!.services[0]!.backends[0]!.address, "h9");
  });
});

describe("traffic: trafficPlan proxies", () => {
  const web = svc([{ action: "keep", slot: 0, host: "h1", from: ref("p0", "h1", 0, "healthy") }]);
  const want = (host: string, gateway?: string) => {
    const routes = trafficPlan(input({ services: [web] }))!.services;
    const text = renderProxyConfig(routes, { address: `10.0.0.${host.slice(1)}`, ...(gateway ? { gateway } : {}) });
    return text.slice("# berth routes ".length, text.indexOf("\n"));
  };
  const proxySvc = (hosts: string[]): ServicePlan => ({
    name: PROXY_SERVICE,
    kind: "service",
    replicas: hosts.length,
    changes: hosts.map((h, slot): PlanChange => ({ action: "create", slot, host: h, reason: "new" })),
    waves: [],
  });
  const hosts: PlanHost[] = [...ready("h1", "h2", "h3", "h4", "h6"), { name: "h5", state: "unreachable", error: "down" }];
  const addresses = new Map(["h1", "h2", "h3", "h4", "h5", "h6"].map((h) => [h, `10.0.0.${h.slice(1)}`]));

  it("in-sync, differs, unreadable and starting; an unreachable host and one with no proxy are left out", () => {
    const proxies: ProxyObservation[] = [
      { host: "h1", container: "x1", pod: "px1", routesDigest: want("h1", "172.17.0.1"), gateway: "172.17.0.1" },
      // Its digest is h1's: h2's address differs, so its config does.
      { host: "h2", container: "x2", pod: "px2", routesDigest: want("h1") },
      { host: "h3", container: "x3", pod: "px3" },
      { host: "h5", container: "x5", pod: "px5", routesDigest: want("h5") },
    ];
    const t = trafficPlan({ services: [web, proxySvc(["h4"])], hosts, observations: hosts.map((h) => ok(h.name)), proxies, addresses });
    assert.deepEqual(t!.proxies, [
      { host: "h1", routes: "in-sync", pod: "px1" },
      { host: "h2", routes: "differs", pod: "px2" },
      { host: "h3", routes: "unreadable", pod: "px3" },
      { host: "h4", routes: "starting" },
    ]);
    assert.equal(proxiesInSync(t), false);
  });

  it("the gateway is part of what is compared: the same digest without it differs", () => {
    const proxies: ProxyObservation[] = [{ host: "h1", container: "x1", pod: "px1", routesDigest: want("h1"), gateway: "172.17.0.1" }];
    const t = trafficPlan(input({ services: [web], hosts: ready("h1"), observations: [ok("h1")], proxies }));
    assert.deepEqual(t!.proxies, [{ host: "h1", routes: "differs", pod: "px1" }]);
  });

  it("every proxy in sync: proxiesInSync; no traffic at all: in sync too", () => {
    const proxies: ProxyObservation[] = [{ host: "h1", container: "x1", pod: "px1", routesDigest: want("h1") }];
    const t = trafficPlan(input({ services: [web], hosts: ready("h1"), observations: [ok("h1")], proxies }));
    assert.deepEqual(t!.proxies, [{ host: "h1", routes: "in-sync", pod: "px1" }]);
    assert.equal(proxiesInSync(t), true);
    assert.equal(proxiesInSync(undefined), true);
  });

  it("an exposed port held on a host by an unmanaged container: portsTaken, and a warning naming port, service and host", () => {
    const cache = svc([], { name: "cache", expose: [{ port: 16379, targetPort: "cache", containerPort: 6379 }] });
    const t = trafficPlan({
      services: [web, cache, proxySvc(["h1", "h2"])],
      hosts: ready("h1", "h2"),
      observations: [ok("h1", [18080, 16379, 80]), ok("h2", [22])],
      proxies: [],
      addresses,
    });
    assert.deepEqual(t!.proxies, [
      { host: "h1", routes: "starting", portsTaken: [18080, 16379] },
      { host: "h2", routes: "starting" },
    ]);
    assert.deepEqual(trafficWarnings(t), [
      "port 18080 (exposed by web) is already used on h1 by a container berth does not manage: h1's proxy cannot answer on it until it is freed",
      "port 16379 (exposed by cache) is already used on h1 by a container berth does not manage: h1's proxy cannot answer on it until it is freed",
    ]);
    assert.deepEqual(trafficWarnings(undefined), []);
  });
});
