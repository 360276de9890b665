/**
 * What the daemon serves at `/status` (and `berth status --json` prints):
 * plain JSON, rebuilt from the last pass.
 */
import type { HostObservation, PublishedPort } from "../docker/types.ts";
import type { HostSpec, JobSpec } from "../model/fleet.ts";
import type { Plan, PodRef, ProxyPlan, TrafficPlan } from "../plan/types.ts";
import { nextRuns } from "../plan/next-runs.ts";
import { backendOf, byBackendOrder } from "../traffic/routes.ts";
import type { JournalEntry } from "../model/journal.ts";
import type { LeaderState } from "../lease/leadership.ts";
import type { RolloutStatus } from "./rollout-progress.ts";

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
 * delay); `not-ready`: it runs but is unhealthy, or it has exited: no
 * proxy routes to it. (A pod the engine still calls `starting` is routed:
 * traffic/routes.ts isServing.)
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

/** One pod of a service as the latest plan found it: where, the engine's word for it, and since when it runs. */
export interface ReplicaStatus {
  readonly host: string;
  readonly slot: number;
  readonly pod: string;
  /** The engine's word for its main container (`running`, `healthy`, `starting`, `exited (1)`…). */
  readonly status: string;
  /** Whether it counts in `ready`. */
  readonly ready: boolean;
  /** ISO time its main container was created, when the observation saw it. */
  readonly since?: string;
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
  /** Every pod of it the plan found, by host and slot. */
  readonly replicas?: readonly ReplicaStatus[];
  /** For an autoscaled service: git's bounds, and the last decision or why none could be taken. */
  readonly autoscale?: AutoscaleStatus;
}

export interface AutoscaleStatus {
  readonly min: number;
  readonly max: number;
  /** `replicas` in git, the count until the first decision. */
  readonly gitReplicas: number;
  /** The metrics against their targets at the last decision that set the count. */
  readonly reason?: string;
  readonly at?: string;
  /** The latest look at the metrics, when it differs (a metric unavailable: the count holds; waiting for a rollout). */
  readonly latest?: { readonly at: string; readonly reason: string };
}

export interface HostStatus {
  readonly name: string;
  readonly reachable: boolean;
  readonly state: string;
  readonly error?: string;
  /** A host no longer in git that berth deployed to: its pods are being removed. */
  readonly leftGit?: true;
  /** What it offers (its Host document's capacity, else what the engine reports); absent when not observed. */
  readonly capacity?: { readonly cpu: number; readonly memoryBytes: number };
  /** What berth's running pods of this owner reserve on it. */
  readonly used?: { readonly cpu: number; readonly memoryBytes: number };
  /** How many of berth's pods of this owner run there. */
  readonly pods?: number;
}

/** A Job as the runner knows it. */
export interface JobStatus {
  readonly name: string;
  readonly schedule?: string;
  /** ISO time of its next scheduled run, in its time zone. */
  readonly nextRun?: string;
  readonly lastRun?: JobRun;
  /** The last runs this berth run saw finish, newest first (at most RECENT_JOB_RUNS). */
  readonly recentRuns?: readonly JobRun[];
}

/** One finished run of a job. `durationMs`: from its start until it was seen to end. */
export interface JobRun {
  readonly at: string;
  readonly result: string;
  readonly reason?: string;
  readonly exitCode?: number;
  readonly output?: string;
  readonly durationMs?: number;
}

/** How many finished runs of each job the status keeps. */
export const RECENT_JOB_RUNS = 5;

/** What the status needs besides the plan. */
export interface StatusContext {
  /** Pods that passed berth's own probe in a rollout (see servicesFromPlan). */
  readonly verified?: ReadonlySet<string>;
  /** When each pod's main container was created (ms since the epoch), from the observation the plan was made from. */
  readonly createdAt?: ReadonlyMap<string, number>;
  /** Each host's address (DockerHost.address), for the exposed addresses; a host missing here is named by its name. */
  readonly addresses?: ReadonlyMap<string, string>;
}

export interface DaemonStatus {
  readonly owner: string;
  /** True when this instance may write (always, without `--lock`); a follower observes and plans, and writes nothing. */
  readonly leader: boolean;
  /** With `--lock`: this instance, who leads and since when, or why this one does not. */
  readonly leadership?: LeaderState;
  /**
   * `commitApplied`: every host was last seen converged to it. `commitConverging`: the commit
   * berth converges to while it waits for a host or the registry (not held: not its fault).
   */
  readonly source: { readonly identity: string; readonly ref?: string; readonly commitSeen?: string; readonly commitApplied?: string; readonly commitConverging?: string; readonly error?: string };
  /** `quietPolls`: polls since this pass that asked no engine anything (no new commit, the fleet in sync, every event stream open). */
  readonly lastPass?: { readonly at: string; readonly trigger: string; readonly ms: number; readonly result: string; readonly quietPolls?: number };
  readonly services: readonly ServiceStatus[];
  readonly hosts: readonly HostStatus[];
  /** Commits whose rollout failed: not retried until a newer commit arrives. */
  readonly held: readonly { readonly commit: string; readonly reason: string }[];
  /** Diagnostics of the newest commit when it does not validate (`file:line:col: error: …`). */
  readonly diagnostics: readonly string[];
  readonly jobs: readonly JobStatus[];
  /** The rollout under way (no `endedAt`), or the last one. */
  readonly rollout?: RolloutStatus;
  /** The newest deployment attempts from the journal, oldest first. */
  readonly history?: readonly JournalEntry[];
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
      const found = s.changes.flatMap((c) => ("from" in c ? [c.from] : c.action === "unplaced" && c.left ? [c.left] : []));
      const replicas = [...new Map(found.map((ref) => [ref.pod, ref])).values()].map((ref): ReplicaStatus => {
        const created = ctx.createdAt?.get(ref.pod);
        return { host: ref.host, slot: ref.slot, pod: ref.pod, status: ref.status, ready: isReady(ref), ...(created !== undefined ? { since: new Date(created).toISOString() } : {}) };
      });
      replicas.sort((a, b) => a.host.localeCompare(b.host) || a.slot - b.slot || a.pod.localeCompare(b.pod));
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
        ...(s.autoscale ? { autoscale: { ...s.autoscale } } : {}),
        replicas,
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
  backends.sort(byBackendOrder);
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

/** When each pod's main container was created, from an observation (for ServiceStatus.replicas' `since`). */
export function podsCreatedAt(observations: readonly HostObservation[]): Map<string, number> {
  const at = new Map<string, number>();
  for (const o of observations) if (o.ok) for (const c of o.containers) if (c.container === "main") at.set(c.pod, c.createdAt);
  return at;
}

/**
 * Each host of the plan with what it offers and what this owner's running
 * pods reserve there: a pod's limits as resized in place when they were,
 * else its service's in the plan (the scheduler's reading too).
 */
export function hostsOf(plan: Plan, observations: readonly HostObservation[], specs: readonly HostSpec[]): HostStatus[] {
  const byName = new Map(observations.map((o) => [o.host, o]));
  const specOf = new Map(specs.map((h) => [h.name, h]));
  const perPod = new Map(plan.services.flatMap((s) => (s.pod ? [[s.name, s.pod.resources] as const] : [])));
  return plan.hosts.map((h) => {
    const base: HostStatus = { name: h.name, reachable: h.state !== "unreachable", state: h.state, ...(h.error ? { error: h.error } : {}), ...(h.leftGit ? { leftGit: true as const } : {}) };
    const o = byName.get(h.name);
    if (!o?.ok) return base;
    const spec = specOf.get(h.name)?.capacity;
    const used = { cpu: 0, memoryBytes: 0 };
    let pods = 0;
    for (const c of o.containers) {
      if (c.kind !== "service" || c.container !== "main" || c.state !== "running") continue;
      const r = c.resources ?? perPod.get(c.group);
      pods++;
      used.cpu += r?.cpu ?? 0;
      used.memoryBytes += r?.memoryBytes ?? 0;
    }
    return { ...base, capacity: { cpu: spec?.cpu ?? o.capacity.cpu, memoryBytes: spec?.memoryBytes ?? o.capacity.memory }, used, pods };
  });
}

/** The jobs with their next scheduled run, read from the fleet's specs (an on-demand job, or one not in the fleet, has none). */
export function withNextRuns(jobs: readonly JobStatus[], specs: readonly JobSpec[], now: number): JobStatus[] {
  const specOf = new Map(specs.map((j) => [j.name, j]));
  return jobs.map((j) => {
    const spec = specOf.get(j.name);
    if (!spec?.schedule) return j;
    try {
      const [next] = nextRuns(spec.schedule, spec.timezone, now, 1);
      return next ? { ...j, nextRun: next } : j;
    } catch {
      // The loader validated the schedule; one it still cannot read has no next run to show.
      return j;
    }
  });
}
