/**
 * The traffic part of a plan, pure: which replicas of each exposed service
 * serve now (every proxy routes to them when the apply starts), and whether
 * each host's proxy already routes exactly that. The rollout's `route` and
 * `drain` steps change the routes from there (plan/steps.ts).
 */
import type { ProxyObservation, PublishedPort } from "../docker/types.ts";
import type { HostObservation } from "../docker/types.ts";
import type { PlanBackend, PlanHost, PodRef, ProxyPlan, ServicePlan, TrafficPlan } from "../plan/types.ts";
import { configDigest, renderProxyConfig, type ServiceRoutes } from "./haproxy-config.ts";
import { PROXY_SERVICE } from "./proxy-service.ts";

/**
 * Statuses of a pod that takes traffic (plan/observed-pods.ts statusOf):
 * running without a health check, healthy, or `starting` — the engine's
 * first check has not reported yet, though berth's gate may already have
 * passed it (it runs the image's own test itself); HAProxy's own check keeps
 * traffic off it until it answers. Leaving `starting` out would take a pod
 * that just counted out of every proxy at the next plan, and back in a pass
 * later.
 */
export function isServing(status: string): boolean {
  return status === "running" || status === "healthy" || status === "starting";
}

const ANY_ADDRESS = new Set(["", "0.0.0.0", "::"]);

/** Where a published port is reached from other hosts: the address it is bound to, or the host's own for a wildcard bind. */
export function publishedAddress(ports: readonly PublishedPort[] | undefined, hostAddress: string): string {
  const bound = ports?.find((p) => p.protocol === "tcp" && !ANY_ADDRESS.has(p.hostIp))?.hostIp;
  return bound ?? hostAddress;
}

/** A pod as a backend, with its tcp ports by container port; undefined when it publishes none. */
export function backendOf(ref: Pick<PodRef, "host" | "slot" | "pod" | "ports">, hostAddress: string): PlanBackend | undefined {
  const ports: Record<string, number> = {};
  for (const p of ref.ports ?? []) if (p.protocol === "tcp") ports[String(p.containerPort)] ??= p.hostPort;
  if (Object.keys(ports).length === 0) return undefined;
  return { host: ref.host, slot: ref.slot, pod: ref.pod, address: publishedAddress(ref.ports, hostAddress), ports };
}

/** Host, then slot, then pod: the order backends are listed in everywhere. */
export function byBackendOrder(a: Pick<PlanBackend, "host" | "slot" | "pod">, b: Pick<PlanBackend, "host" | "slot" | "pod">): number {
  return a.host.localeCompare(b.host) || a.slot - b.slot || a.pod.localeCompare(b.pod);
}

/** The replicas of an exposed service that serve now: the pods the plan found running, whatever it does with them next. */
function servingNow(svc: ServicePlan, addressOf: (host: string) => string): PlanBackend[] {
  const out: PlanBackend[] = [];
  for (const c of svc.changes) {
    // An unplaced slot leaves what runs for it alone, and it keeps serving.
    const ref = "from" in c ? c.from : c.action === "unplaced" ? c.left : undefined;
    if (!ref || !isServing(ref.status)) continue;
    const b = backendOf(ref, addressOf(ref.host));
    if (b) out.push(b);
  }
  return out.sort(byBackendOrder);
}

export interface TrafficPlanInput {
  readonly services: readonly ServicePlan[];
  readonly hosts: readonly PlanHost[];
  readonly observations: readonly HostObservation[];
  readonly proxies: readonly ProxyObservation[];
  /** Each host's address (DockerHost.address). */
  readonly addresses: ReadonlyMap<string, string>;
}

/** Undefined when no service exposes a port. */
export function trafficPlan(input: TrafficPlanInput): TrafficPlan | undefined {
  const exposed = input.services.filter((s) => s.kind === "service" && (s.expose?.length ?? 0) > 0);
  if (exposed.length === 0) return undefined;
  const addressOf = (host: string) => input.addresses.get(host) ?? host;
  const services: ServiceRoutes[] = exposed.map((s) => ({ service: s.name, expose: s.expose!, backends: servingNow(s, addressOf) }));
  const proxyOf = new Map(input.proxies.map((p) => [p.host, p]));
  const observed = new Map(input.observations.map((o) => [o.host, o]));
  const ports = services.flatMap((s) => s.expose.map((e) => e.port));
  const proxyHosts = new Set(input.services.find((s) => s.name === PROXY_SERVICE)?.changes.flatMap((c) => ("host" in c && c.host ? [c.host] : [])) ?? []);
  const proxies = input.hosts
    .filter((h) => h.state !== "unreachable" && (proxyHosts.has(h.name) || proxyOf.has(h.name)))
    .map((h): ProxyPlan => {
      const o = observed.get(h.name);
      const theirs = o?.ok ? ports.filter((p) => o.portsInUse.includes(p)) : [];
      const taken = theirs.length > 0 ? { portsTaken: theirs } : {};
      const p = proxyOf.get(h.name);
      if (!p) return { host: h.name, routes: "starting", ...taken };
      if (!p.routesDigest) return { host: h.name, routes: "unreadable", pod: p.pod, ...taken };
      const want = renderProxyConfig(services, { address: addressOf(h.name), ...(p.gateway ? { gateway: p.gateway } : {}) });
      return { host: h.name, routes: configDigest(want) === p.routesDigest ? "in-sync" : "differs", pod: p.pod, ...taken };
    });
  return { services, proxies };
}

/** The warnings a reviewer needs: an exposed port held on a host by something berth does not manage. */
export function trafficWarnings(traffic: TrafficPlan | undefined): string[] {
  if (!traffic) return [];
  return traffic.proxies.flatMap((p) =>
    (p.portsTaken ?? []).map((port) => {
      const svc = traffic.services.find((s) => s.expose.some((e) => e.port === port))?.service ?? "?";
      return `port ${port} (exposed by ${svc}) is already used on ${p.host} by a container berth does not manage: ${p.host}'s proxy cannot answer on it until it is freed`;
    }),
  );
}

/** How many running proxies route something else than they should (or cannot tell): an apply pushes them first. */
export function proxiesToPush(traffic: TrafficPlan | undefined): number {
  return traffic ? traffic.proxies.filter((p) => p.routes === "differs" || p.routes === "unreadable").length : 0;
}

/** True when every proxy already routes what it should. */
export function proxiesInSync(traffic: TrafficPlan | undefined): boolean {
  return !traffic || traffic.proxies.every((p) => p.routes === "in-sync");
}
