/**
 * applyPlan with a ProxyRouter on recording fake hosts (rollout/apply-plan.ts
 * with traffic/router.ts): the order in which pods are routed, drained and
 * stopped, what a rollback does to the routes, and the proxy service first.
 * The plan is made by planObserved from what the fake hosts show, so it has
 * the berth-proxy service and the traffic section a real plan would.
 */
import assert from "node:assert/strict";
import type { DockerHost, HostObservation, ProxyObservation, PublishedPort } from "../../../reconciler/docker/types.ts";
import type { Fleet, HostSpec, ServiceSpec } from "../../../reconciler/model/fleet.ts";
import type { TrafficSettings } from "../../../reconciler/model/operator-config.ts";
import { planObserved } from "../../../reconciler/pipeline/plan-fleet.ts";
import type { Plan } from "../../../reconciler/plan/types.ts";
import { applyPlan } from "../../../reconciler/rollout/apply-plan.ts";
import type { ApplyResult, RolloutEvent } from "../../../reconciler/rollout/events.ts";
import { renderProxyConfig } from "../../../reconciler/traffic/haproxy-config.ts";
import { PROXY_SERVICE, proxyPod } from "../../../reconciler/traffic/proxy-service.ts";
import { ProxyRouter } from "../../../reconciler/traffic/router.ts";
import { FakeFleet, fakeClock } from "../../support/fake-host.ts";

/** The config a push carried: the script's arguments after the admin socket, in pieces joined again. */
const configOf = (e: { readonly command: readonly string[] }): string => e.command.slice(5).join("");
import { container, pod, rollout } from "../plan/mock.ts";

const OWNER = "o";
const HOSTS = ["h1", "h2"];
const V1 = "app:v1";
const V2 = "app:v2";
const DRAIN_MS = 1_000;
const TRAFFIC: TrafficSettings = { proxyImage: "berth/haproxy:2.6", drainDelayMs: DRAIN_MS };
const PROXY_V0 = "berth/haproxy:2.4";

const hostSpec = (name: string): HostSpec => ({ name, endpoint: `tcp://${name}:2375`, insecure: true, labels: {}, drain: false, source: { file: "hosts.yaml", line: 1 } });

const web = (image: string): ServiceSpec => ({
  name: "web",
  replicas: 2,
  expose: [{ port: 18080, targetPort: "http", containerPort: 8080 }],
  pod: pod({ specHash: `hash-${image}`, containers: [container({ image })] }),
  placement: { constraints: [], strategy: "spread", distinctHosts: true },
  rollout: rollout({ monitorMs: 0 }),
  labels: {},
  source: { file: "services/web.yaml", line: 1 },
});

interface World {
  readonly fleet: FakeFleet;
  readonly hosts: Map<string, DockerHost>;
  /** Calls, pushes (`push HOST CONTAINER [pods routed]`) and rollout events (`event SERVICE PHASE [pod]`), in order. */
  readonly timeline: string[];
}

interface WorldOptions {
  /** The proxies run an older image: the plan replaces them. */
  readonly oldProxies?: boolean;
}

function world(opts: WorldOptions = {}): World {
  const fleet = new FakeFleet();
  const timeline: string[] = [];
  HOSTS.forEach((h, i) => {
    fleet.addresses.set(h, `10.0.0.${i + 1}`);
    fleet.gateways.set(h, "172.17.0.1");
    fleet.seed(h, `old${i}`, "web", i, V1, `hash-${V1}`);
    const proxy = proxyPod(TRAFFIC);
    fleet.seed(h, `px-${h}`, PROXY_SERVICE, i, opts.oldProxies ? PROXY_V0 : proxy.containers[0]!.image, opts.oldProxies ? "proxy-old" : proxy.specHash);
  });
  // Every web pod publishes 8080 on its own engine-assigned port (the proxies publish none: host network).
  const assigned = new Map<string, number>();
  fleet.portsOf = (p) => {
    if (p.group !== "web") return [];
    if (!assigned.has(p.pod)) assigned.set(p.pod, 31000 + assigned.size);
    return [{ containerPort: 8080, protocol: "tcp", hostIp: "0.0.0.0", hostPort: assigned.get(p.pod)! } satisfies PublishedPort];
  };
  fleet.onCall = (call) => timeline.push(call);
  fleet.onExec = (e) => {
    const routed = [...configOf(e).matchAll(/^ {2}server \S+-s\d+-(\S+) /gm)].map((m) => m[1]!).sort();
    timeline.push(`push ${e.host} ${e.id} [${routed.join(" ")}]`);
    return undefined;
  };
  return { fleet, hosts: new Map(HOSTS.map((h): [string, DockerHost] => [h, fleet.host(h)])), timeline };
}

/** The plan for web at `image`, with every running proxy in sync with the plan's routes. */
async function planFor(w: World, image: string): Promise<Plan> {
  const observations: HostObservation[] = await Promise.all(
    [...w.hosts.values()].map(async (h): Promise<HostObservation> => ({ host: h.name, ok: true, containers: await h.observe(OWNER), capacity: await h.capacity(), portsInUse: await h.portsInUse(OWNER) })),
  );
  const specs = HOSTS.map(hostSpec);
  const fleet: Fleet = { hosts: specs, services: [web(image)], jobs: [], templates: [], policy: { allowPrivileged: false, allowHostNetwork: false, allowedHostPaths: [], allowEmpty: false } };
  const input = { fleet, connected: { specs, departed: new Set<string>(), hosts: w.hosts, refused: new Map<string, string>() }, owner: OWNER, commit: "c2", now: 0, seed: 1, traffic: TRAFFIC };
  const first = planObserved(input, observations).plan;
  const routes = first.traffic!.services;
  const proxies: ProxyObservation[] = HOSTS.map((h, i) => {
    const text = renderProxyConfig(routes, { address: `10.0.0.${i + 1}`, gateway: "172.17.0.1" });
    return { host: h, container: `px-${h}-main`, pod: `px-${h}`, routesDigest: text.slice("# berth routes ".length, text.indexOf("\n")), gateway: "172.17.0.1" };
  });
  const plan = planObserved(input, observations, proxies).plan;
  assert.deepEqual(plan.traffic!.proxies.map((p) => p.routes), ["in-sync", "in-sync"], "test setup: the proxies start in sync");
  return plan;
}

async function apply(w: World, plan: Plan): Promise<ApplyResult> {
  const clock = fakeClock();
  let n = 0;
  const onEvent = (e: RolloutEvent) => w.timeline.push(`event ${e.service} ${e.phase}${e.pod ? ` ${e.pod}` : ""}`);
  return applyPlan(plan, {
    hosts: w.hosts,
    clock,
    prober: { http: async () => true, tcp: async () => true },
    newPodId: () => `new${n++}`,
    secrets: () => ({}),
    onEvent,
    router: (p) => new ProxyRouter(p, { hosts: w.hosts, clock, drainDelayMs: DRAIN_MS }),
  });
}

/** Index of the first timeline entry matching `re`, after `from`; fails the test when there is none. */
function indexOf(timeline: readonly string[], re: RegExp, from = 0): number {
  const i = timeline.findIndex((t, k) => k >= from && re.test(t));
  assert.ok(i >= 0, `no ${re} in the timeline${from ? ` after entry ${from}` : ""}:\n${timeline.join("\n")}`);
  return i;
}

/** The pods every web push routes, in order, as `host: pods`. */
const pushes = (timeline: readonly string[]) => timeline.filter((t) => t.startsWith("push ")).map((t) => t.replace(/^push (\S+) \S+ /, "$1: "));

describe("rollout: traffic", () => {
  it("start-first: each new pod is routed before its old pod is drained, and the old pod is drained (and the delay waited) before it stops", async () => {
    const w = world();
    const plan = await planFor(w, V2);
    assert.deepEqual(plan.services.find((s) => s.name === PROXY_SERVICE)!.changes.map((c) => c.action), ["keep", "keep"]);
    const result = await apply(w, plan);
    assert.equal(result.ok, true, JSON.stringify(result.services));
    // Every change reaches both proxies: route new0, drain old0, route new1, drain old1.
    assert.deepEqual(pushes(w.timeline), [
      "h1: [new0 old0 old1]",
      "h2: [new0 old0 old1]",
      "h1: [new0 old1]",
      "h2: [new0 old1]",
      "h1: [new0 new1 old1]",
      "h2: [new0 new1 old1]",
      "h1: [new0 new1]",
      "h2: [new0 new1]",
    ]);
    for (const [i, host] of HOSTS.entries()) {
      const routed = indexOf(w.timeline, new RegExp(`^push h\\d \\S+ \\[.*new${i}`));
      const drained = indexOf(w.timeline, new RegExp(`^push h\\d \\S+ \\[(?!.*old${i}).*\\]`), routed);
      const stopped = indexOf(w.timeline, new RegExp(`^${host} stop web/${i} ${V1}`));
      assert.ok(routed < drained && drained < stopped, `slot ${i}: routed at ${routed}, drained at ${drained}, stopped at ${stopped}`);
    }
  });

  it("the drain delay is waited between the drain and the stop", async () => {
    const w = world();
    const plan = await planFor(w, V2);
    const clock = fakeClock();
    const at: Record<string, number> = {};
    w.fleet.onCall = (call) => {
      if (/stop web\/0/.test(call)) at["stop"] = clock.now();
    };
    w.fleet.onExec = (e) => {
      if (!configOf(e).includes("-old0 ")) at["drain"] ??= clock.now();
      return undefined;
    };
    let n = 0;
    await applyPlan(plan, { hosts: w.hosts, clock, prober: { http: async () => true, tcp: async () => true }, newPodId: () => `new${n++}`, secrets: () => ({}), router: (p) => new ProxyRouter(p, { hosts: w.hosts, clock, drainDelayMs: DRAIN_MS }) });
    assert.ok(at["drain"] !== undefined && at["stop"] !== undefined);
    assert.equal(at["stop"]! - at["drain"]!, DRAIN_MS);
  });

  it("stop-first: drained before it stops, the new pod routed once it counts", async () => {
    const w = world();
    const base = await planFor(w, V2);
    // Same changes, stop-first waves.
    const { planSteps } = await import("../../../reconciler/plan/steps.ts");
    const plan: Plan = {
      ...base,
      services: base.services.map((s) => (s.name !== "web" ? s : { ...s, rollout: { ...s.rollout!, order: "stop-first", maxSurge: 0, maxUnavailable: 1 }, waves: planSteps(s.changes, { ...s.rollout!, order: "stop-first", maxSurge: 0, maxUnavailable: 1 }, s.pod, { exposed: true }) })),
    };
    const result = await apply(w, plan);
    assert.equal(result.ok, true, JSON.stringify(result.services));
    assert.deepEqual(pushes(w.timeline), ["h1: [old1]", "h2: [old1]", "h1: [new0 old1]", "h2: [new0 old1]", "h1: [new0]", "h2: [new0]", "h1: [new0 new1]", "h2: [new0 new1]"]);
    const drained = indexOf(w.timeline, /^push h2 \S+ \[old1\]/);
    const stopped = indexOf(w.timeline, /^h1 stop web\/0/);
    const launched = indexOf(w.timeline, /^h1 launch web\/0/);
    const routed = indexOf(w.timeline, /^push h1 \S+ \[new0 old1\]/);
    assert.ok(drained < stopped && stopped < launched && launched < routed, w.timeline.join("\n"));
  });

  it("a failed gate rolls back: the routed new pod is drained before it is removed, the restored old pod routed again", async () => {
    const w = world();
    const plan = await planFor(w, V2);
    // new0 counts; from then on the image turns unhealthy, so new1 fails its gate.
    const onCall = w.fleet.onCall!;
    w.fleet.onCall = (call) => {
      onCall(call);
      if (call === `h1 look web/0 running healthy`) w.fleet.brokenImages.add(V2);
    };
    const result = await apply(w, plan);
    assert.equal(result.services.find((s) => s.service === "web")!.result, "rolled-back", JSON.stringify(result.services));
    const tl = w.timeline;
    // Slot 0 (start-first) is put back: old0 started again and routed, then new0 drained and removed.
    const restarted = indexOf(tl, /^h1 start web\/0 app:v1/);
    const rerouted = indexOf(tl, /^push h\d \S+ \[new0 old0 old1\]/, restarted);
    const drained = indexOf(tl, /^push h\d \S+ \[old0 old1\]/, rerouted);
    const removed = indexOf(tl, /^h1 remove web\/0 app:v2/);
    assert.ok(restarted < rerouted && rerouted < drained && drained < removed, tl.join("\n"));
    // The pod that failed its gate was never routed; the proxies end as they began.
    assert.ok(!tl.some((t) => t.startsWith("push ") && t.includes("new1")));
    assert.deepEqual(pushes(tl).slice(-2), ["h1: [old0 old1]", "h2: [old0 old1]"]);
  });

  // Guards the restart in ServiceRollout.undo: it used to route the restored pod at the ports the
  // plan observed, but a restarted container gets new engine-assigned ones.
  it("a restored old pod is routed at the port the engine gives it after its restart", async () => {
    const w = world();
    const plan = await planFor(w, V2);
    const onCall = w.fleet.onCall!;
    w.fleet.onCall = (call) => {
      onCall(call);
      if (call === `h1 look web/0 running healthy`) w.fleet.brokenImages.add(V2);
    };
    // A restarted container gets a new engine-assigned port.
    const portsOf = w.fleet.portsOf!;
    let restarted = false;
    w.fleet.portsOf = (p) => (p.pod === "old0" && restarted ? [{ containerPort: 8080, protocol: "tcp", hostIp: "0.0.0.0", hostPort: 39999 }] : portsOf(p));
    const configs: string[] = [];
    const onExec = w.fleet.onExec!;
    w.fleet.onExec = (e) => {
      configs.push(configOf(e));
      return onExec(e);
    };
    const onCall2 = w.fleet.onCall;
    w.fleet.onCall = (call) => {
      if (call.startsWith("h1 start web/0")) restarted = true;
      onCall2(call);
    };
    await apply(w, plan);
    assert.match(configs.at(-1)!, /server h1-s0-old0 10\.0\.0\.1:39999 check/);
  });

  // Guards a bug found by this test (rollout/apply-plan.ts, ServiceRollout.undo): `restart` only
  // acted when the old pod was stopped (state.oldStopped), but the `drain` step before the stop had
  // already taken it out of every proxy. When that stop failed (an engine error, not an unreachable
  // host), the rollback left the old pod running and never routed it again.
  it("an old pod drained but not stopped (its stop failed) is routed again by the rollback", async () => {
    const w = world();
    const plan = await planFor(w, V2);
    const h1 = w.hosts.get("h1")!;
    w.hosts.set("h1", Object.assign(Object.create(h1) as DockerHost, { stopPod: async () => Promise.reject(new Error("engine: 500 Internal Server Error")) }));
    const result = await apply(w, plan);
    assert.equal(result.services.find((s) => s.service === "web")!.result, "rolled-back", JSON.stringify(result.services));
    assert.equal(w.fleet.pods.get("old0")?.state, "running", "old0 still runs");
    assert.deepEqual(pushes(w.timeline).slice(-2), ["h1: [old0 old1]", "h2: [old0 old1]"], w.timeline.join("\n"));
  });

  it("berth-proxy rolls out before the other services, and the new proxies get every route", async () => {
    const w = world({ oldProxies: true });
    const planned = await planFor(w, V2);
    assert.deepEqual(planned.services.find((s) => s.name === PROXY_SERVICE)!.changes.map((c) => c.action), ["replace", "replace"]);
    // web listed first: the proxy goes first because apply puts it first, not because of the list.
    const plan: Plan = { ...planned, services: [...planned.services].sort((a) => (a.name === "web" ? -1 : 1)) };
    assert.deepEqual(plan.services.map((s) => s.name), ["web", PROXY_SERVICE]);
    const result = await apply(w, plan);
    assert.equal(result.ok, true, JSON.stringify(result.services));
    assert.deepEqual(result.services.map((s) => s.service), ["web", PROXY_SERVICE], "results in the plan's order");
    const tl = w.timeline;
    const proxyDone = indexOf(tl, /^event berth-proxy done/);
    const webFirst = indexOf(tl, /^event web /);
    assert.ok(proxyDone < webFirst, tl.join("\n"));
    // Each new proxy (stop-first) got the routes as they were once it counted, then every web change.
    const firstPushes = tl.filter((t) => t.startsWith("push ")).slice(0, 2);
    assert.deepEqual(firstPushes, ["push h1 new0-main [old0 old1]", "push h2 new1-main [old0 old1]"]);
    assert.ok(tl.filter((t) => t.startsWith("push ")).slice(2).every((t) => /^push h1 new0-main|^push h2 new1-main/.test(t)), "web's pushes go to the new proxies");
  });

  // Guards a bug found by this test (rollout/apply-plan.ts, ServiceRollout.undo): undoing a
  // berth-proxy slot removed the new proxy and started the old one again, but never told the router
  // (no proxyDown for the removed new proxy, no proxyUp for the restored old one). The router kept
  // pushing to the removed container on h1 and had dropped h2 (proxyDown at the stop), and the
  // restored proxies restarted on their boot config (BOOT_SCRIPT rewrites it at every start):
  // until the next pass neither host answered on any exposed port.
  it("after berth-proxy rolls back, the restored proxies get the routes and web's changes", async () => {
    const w = world({ oldProxies: true });
    const plan = await planFor(w, V2);
    // The first new proxy counts; the second turns unhealthy, so berth-proxy rolls back.
    const onCall = w.fleet.onCall!;
    w.fleet.onCall = (call) => {
      onCall(call);
      if (call === `h1 look ${PROXY_SERVICE}/0 running healthy`) w.fleet.brokenImages.add(TRAFFIC.proxyImage);
    };
    const result = await apply(w, plan);
    assert.equal(result.services.find((s) => s.service === PROXY_SERVICE)!.result, "rolled-back", JSON.stringify(result.services));
    const tl = w.timeline;
    const restored = indexOf(tl, new RegExp(`^h2 start ${PROXY_SERVICE}/1`));
    const afterRestore = tl.slice(restored).filter((t) => t.startsWith("push "));
    // Each restored proxy (its old container) gets the routes, and web's last change reaches both.
    assert.ok(afterRestore.includes("push h1 px-h1-main [new2 new3]") && afterRestore.includes("push h2 px-h2-main [new2 new3]"), `pushes after the rollback:\n${afterRestore.join("\n")}`);
  });
});
