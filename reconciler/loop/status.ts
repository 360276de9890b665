/**
 * What the daemon serves at `/status` (and `berth status --json` prints):
 * plain JSON, rebuilt from the last pass.
 */
import type { PublishedPort } from "../docker/types.ts";
import type { Plan, PodRef, ProxyPlan, TrafficPlan } from "../plan/types.ts";
import { backendOf } from "../traffic/routes.ts";

/** One port an exposed service answers on, on every host that runs berth's proxy. */
export interface ExposedStatus {
  readonly port: number;
  /** The pod's port it leads to (`http`). */
  readonly targetPort: string;
  /** Where: `<host address>:<port>` per host, with that host's proxy as the latest plan found it. */
  readonly addresses: readonly {
    readonly host: string;
    /** `10.0.0.1:18080`: the host's address (the one berth reaches its engine at) and the port. */
    readonly address: string;
    /** The host's proxy: `in-sync`, `differs` / `unreadable` (its routes are pushed on the next apply), `starting` (no proxy runs there yet). */
    readonly proxy: ProxyPlan["routes"];
    /** Something berth does not manage holds the port on this host: the proxy cannot answer there. */
    readonly portTaken?: true;
  }[];
}

/**
 * One replica of an exposed service as the proxies see it. `serving`: ready
 * when the latest plan was made, so every proxy routes to it; `draining`: the
 * rollout under way took it out of every proxy (it stops after the drain
 * delay); `not-ready`: it runs but the engine does not call it ready
 * (starting, unhealthy) or it has exited: no proxy routes to it.
 */
export interface BackendStatus {
  readonly host: string;
  readonly slot: number;
  readonly pod: string;
  readonly state: "serving" | "draining" | "not-ready";
  /** The engine's word for its main container (`running`, `healthy`, `unhealthy`, `exited (1)`…). */
  readonly status: string;
  /** `<address>:<host port>` of each exposed container port it publishes. */
  readonly addresses: readonly string[];
}

export interface ServiceStatus {
  readonly name: string;
  /** The commit its running pods came from (the most common one). */
  readonly commit?: string;
  readonly desired: number;
  readonly ready: number;
  readonly hosts: readonly string[];
  /** Where each running replica answers: its host and published ports, engine-assigned ones included. */
  readonly endpoints: readonly { readonly host: string; readonly slot: number; readonly ports: readonly PublishedPort[] }[];
  /** `healthy` (all ready), `degraded` (some), `down` (none), `progressing` (changes pending). */
  readonly health: "healthy" | "degraded" | "down" | "progressing";
  readonly lastResult?: string;
  readonly reason?: string;
  /** The last rollout's error, when it did not converge: its code and how berth reacts (`stalled`: held; `retry`: looked at again). */
  readonly error?: { readonly code: string; readonly reaction: string };
  /** Slots whose pod keeps dying, waiting out their crash-loop backoff. */
  readonly backoff?: readonly { readonly slot: number; readonly failures: number; readonly retryInMs: number }[];
  /** For a service with `expose`: its ports and where every host answers on them. */
  readonly expose?: readonly ExposedStatus[];
  /** For a service with `expose`: its replicas and whether the proxies route to them. */
  readonly backends?: readonly BackendStatus[];
}

/** What the status needs besides the plan. */
export interface StatusContext {
  /** Pods that passed berth's own probe in a rollout (see servicesFromPlan). */
  readonly verified?: ReadonlySet<string>;
  /** Each host's address (DockerHost.address), for the exposed addresses; a host missing here is named by its name. */
  readonly addresses?: ReadonlyMap<string, string>;
}

export interface DaemonStatus {
  readonly owner: string;
  /**
   * `commitApplied`: every host was last seen converged to it. `commitConverging`: the commit
   * berth converges to while it waits for a host or the registry (not held: not its fault).
   */
  readonly source: { readonly identity: string; readonly ref?: string; readonly commitSeen?: string; readonly commitApplied?: string; readonly commitConverging?: string; readonly error?: string };
  readonly lastPass?: { readonly at: string; readonly trigger: string; readonly ms: number; readonly result: string };
  readonly services: readonly ServiceStatus[];
  readonly hosts: readonly { readonly name: string; readonly reachable: boolean; readonly state: string; readonly error?: string }[];
  /** Commits whose rollout failed: not retried until a newer commit arrives. */
  readonly held: readonly { readonly commit: string; readonly reason: string }[];
  /** Diagnostics of the newest commit when it does not validate (`file:line:col: error: …`). */
  readonly diagnostics: readonly string[];
  readonly jobs: readonly { readonly name: string; readonly schedule?: string; readonly lastRun?: { readonly at: string; readonly result: string; readonly reason?: string; readonly exitCode?: number; readonly output?: string } }[];
}

/**
 * Per-service status from a plan made after the last apply (what runs now).
 * A pod counts as ready when the engine says healthy (or running, without a
 * health check), or when it is still `starting` for the engine but passed
 * berth's own probe in the rollout (`verified` holds those pod ids). An
 * exposed service also gets its addresses and backends (see trafficOf).
 */
export function servicesFromPlan(plan: Plan, results: ReadonlyMap<string, { result: string; reason?: string; error?: { code: string; reaction: string } }>, ctx: StatusContext = {}): ServiceStatus[] {
  const verified = ctx.verified ?? new Set<string>();
  const isReady = (ref: PodRef) => ref.status === "healthy" || ref.status === "running" || (ref.status === "starting" && verified.has(ref.pod));
  return plan.services
    .filter((s) => s.kind === "service")
    .map((s) => {
      // A pod being replaced still serves until its replacement is ready: it counts.
      const kept = s.changes.flatMap((c) => (c.action === "keep" || c.action === "replace" ? [c.from] : []));
      const ready = kept.filter(isReady);
      const pending = s.changes.some((c) => c.action !== "keep" && c.action !== "unplaced" && c.action !== "unknown");
      const count = new Map<string, number>();
      for (const ref of kept) count.set(ref.commit, (count.get(ref.commit) ?? 0) + 1);
      const commit = [...count].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
      const r = results.get(s.name);
      return {
        name: s.name,
        ...(commit ? { commit } : {}),
        desired: s.replicas,
        ready: ready.length,
        hosts: [...new Set(kept.map((ref) => ref.host))].sort(),
        endpoints: ready.filter((ref) => ref.ports?.length).map((ref) => ({ host: ref.host, slot: ref.slot, ports: ref.ports! })).sort((a, b) => a.slot - b.slot),
        health: pending ? "progressing" : ready.length >= s.replicas ? "healthy" : ready.length === 0 ? "down" : "degraded",
        ...(r ? { lastResult: r.result, ...(r.reason ? { reason: r.reason } : {}), ...(r.error ? { error: r.error } : {}) } : {}),
        ...(plan.traffic ? trafficOf(plan.traffic, s, ctx.addresses ?? new Map()) : {}),
      };
    });
}

/**
 * An exposed service's addresses and backends, from the plan's traffic part:
 * the proxies route to the backends the plan counted; every other pod the
 * plan found of the service is not routed.
 */
function trafficOf(traffic: TrafficPlan, s: Plan["services"][number], addresses: ReadonlyMap<string, string>): Pick<ServiceStatus, "expose" | "backends"> {
  const t = traffic.services.find((x) => x.service === s.name);
  if (!t) return {};
  const addressOf = (host: string) => addresses.get(host) ?? host;
  const expose = t.expose.map(
    (e): ExposedStatus => ({
      port: e.port,
      targetPort: e.targetPort,
      addresses: traffic.proxies.map((p) => ({ host: p.host, address: `${addressOf(p.host)}:${e.port}`, proxy: p.routes, ...(p.portsTaken?.includes(e.port) ? { portTaken: true as const } : {}) })),
    }),
  );
  const serving = new Map(t.backends.map((b) => [b.pod, b]));
  const containerPorts = [...new Set(t.expose.map((e) => String(e.containerPort)))];
  const seen = new Set<string>();
  const backends: BackendStatus[] = [];
  // Every pod the plan found of the service: what its changes start from, and what an unplaced slot leaves running.
  const found = s.changes.flatMap((c) => ("from" in c ? [c.from] : c.action === "unplaced" && c.left ? [c.left] : []));
  for (const ref of found) {
    if (seen.has(ref.pod)) continue;
    seen.add(ref.pod);
    const b = serving.get(ref.pod) ?? backendOf(ref, addressOf(ref.host));
    const at = b ? [...new Set(containerPorts.flatMap((p) => (b.ports[p] !== undefined ? [`${b.address}:${b.ports[p]}`] : [])))] : [];
    backends.push({ host: ref.host, slot: ref.slot, pod: ref.pod, state: serving.has(ref.pod) ? "serving" : "not-ready", status: ref.status, addresses: at });
  }
  backends.sort((a, b) => a.host.localeCompare(b.host) || a.slot - b.slot || a.pod.localeCompare(b.pod));
  return { expose, backends };
}

/**
 * The services with the pods a rollout under way drained (its `drain`
 * events) shown as `draining`: the status is rebuilt from a plan made before
 * the rollout, and the drains happen after it.
 */
export function withDraining(services: readonly ServiceStatus[], draining: ReadonlySet<string>): ServiceStatus[] {
  if (draining.size === 0) return [...services];
  return services.map((s) => (s.backends?.some((b) => draining.has(b.pod)) ? { ...s, backends: s.backends.map((b) => (draining.has(b.pod) && b.state === "serving" ? { ...b, state: "draining" as const } : b)) } : s));
}
