/**
 * From a loaded fleet to a Plan: observe every host, schedule, diff. Only
 * observation is I/O; scheduling and diffing are the pure functions.
 */
import { withAutoscaled } from "../autoscale/autoscaled-fleet.ts";
import type { DeployedRecord } from "../model/deployed.ts";
import type { Fleet } from "../model/fleet.ts";
import { lostFor } from "../plan/host-lost.ts";
import { observeFleet } from "../docker/observe-fleet.ts";
import type { HostObservation, ObservedContainer, ProxyObservation } from "../docker/types.ts";
import { observeProxies } from "../traffic/observe-proxies.ts";
import { proxiesInSync, trafficPlan, trafficWarnings } from "../traffic/routes.ts";
import { diffFleet } from "../plan/diff.ts";
import { hostDigest } from "../plan/host-digest.ts";
import type { Plan, PlanHost } from "../plan/types.ts";
import { placePods } from "../../scheduler/place.ts";
import type { SlotPlacement } from "../../scheduler/types.ts";
import type { ConnectedHosts } from "./connect-hosts.ts";
import { currentPlacements, schedGroups, schedHosts } from "./scheduler-input.ts";
import { withGlobalReplicas } from "./global-replicas.ts";
import { withProxy } from "../traffic/proxy-service.ts";
import { DEFAULT_DRAIN_DELAY_MS, DEFAULT_PROXY_IMAGE, type TrafficSettings } from "../model/operator-config.ts";

const defaultTraffic: TrafficSettings = { proxyImage: DEFAULT_PROXY_IMAGE, drainDelayMs: DEFAULT_DRAIN_DELAY_MS };

export interface PlanFleetInput {
  readonly fleet: Fleet;
  readonly connected: ConnectedHosts;
  readonly owner: string;
  readonly commit: string;
  readonly now: number;
  readonly seed: number;
  /** What berth deployed before, where; absent when there is no record. */
  readonly record?: DeployedRecord;
  /** The operator's `hostLostAfter`. */
  readonly hostLostAfterMs?: number;
  /** The operator's proxy settings (default: the official HAProxy image, 1 s drain). */
  readonly traffic?: TrafficSettings;
}

export interface PlannedFleet {
  readonly plan: Plan;
  readonly observations: readonly HostObservation[];
}

/**
 * Slots the record last saw on a host that is not observed now, and that no
 * observed pod stands for: kept as current placements (on a host the
 * scheduler sees as down), so the scheduler keeps their slot numbers instead
 * of adding a new slot beside the one that may still run there. A host lost
 * for longer than hostLostAfter keeps none: its slots are placed afresh on
 * the hosts that answer (issue 16).
 */
function darkSlots(record: DeployedRecord | undefined, observations: readonly HostObservation[], containers: readonly ObservedContainer[], now: number, lostAfterMs: number | undefined): SlotPlacement[] {
  if (!record) return [];
  const dark = new Set(observations.filter((o) => !o.ok && lostFor(record, o.host, now, lostAfterMs) === undefined).map((o) => o.host));
  const seen = new Set(containers.filter((c) => c.kind === "service").map((c) => `${c.group}\u0000${c.slot}`));
  return record.slots.filter((s) => dark.has(s.host) && !seen.has(`${s.group}\u0000${s.slot}`));
}

/** The I/O half: one look at every connected host (a host refused at connection counts as not observed). */
export async function observeHosts(connected: Pick<ConnectedHosts, "hosts" | "refused">, owner: string): Promise<HostObservation[]> {
  const observed = await observeFleet([...connected.hosts.values()], owner);
  return [...observed, ...[...connected.refused].map(([host, message]): HostObservation => ({ host, ok: false, error: { code: "endpoint-refused", reaction: "stalled", message, data: { host } } }))];
}

export async function planFleet(input: PlanFleetInput): Promise<PlannedFleet> {
  const observations = await observeHosts(input.connected, input.owner);
  return planObserved(input, observations, await observeProxies(input.connected.hosts, observations));
}

/** The pure half: schedule and diff what `observations` saw. */
export function planObserved(input: PlanFleetInput, observations: readonly HostObservation[], proxies: readonly ProxyObservation[] = []): PlannedFleet {
  const { connected } = input;
  const containers: ObservedContainer[] = observations.flatMap((o) => (o.ok ? o.containers : []));
  const hostSpecs = connected.specs;
  const inGit = hostSpecs.filter((h) => !connected.departed.has(h.name));
  const proxied = withProxy(input.fleet, input.traffic ?? defaultTraffic);
  const fleet = { ...proxied, services: withAutoscaled(withGlobalReplicas(proxied.services, inGit), input.record?.autoscaled) };
  const sched = placePods({
    // Hosts that left git are observed (their pods go) but never placed on.
    hosts: schedHosts(inGit, observations),
    groups: schedGroups(fleet.services),
    current: [...currentPlacements(containers, input.record?.slots), ...darkSlots(input.record, observations, containers, input.now, input.hostLostAfterMs)],
    seed: input.seed,
  });
  const byHost = new Map(observations.map((o) => [o.host, o]));
  const hosts: PlanHost[] = hostSpecs.map((h) => {
    const o = byHost.get(h.name);
    const left = connected.departed.has(h.name) ? { leftGit: true } : {};
    if (!o || !o.ok) return { name: h.name, state: "unreachable", error: o && !o.ok ? o.error.message : "not observed", ...left };
    return { name: h.name, state: h.drain ? "drained" : "ready", digest: hostDigest(o.containers), ...left };
  });
  const plan = diffFleet({
    owner: input.owner,
    commit: input.commit,
    now: input.now,
    services: fleet.services.map((s) => ({ name: s.name, replicas: s.replicas, pod: s.pod, rollout: s.rollout, ...(s.uses ? { uses: s.uses } : {}), ...(s.expose ? { expose: s.expose } : {}), ...(s.placement.mode === "global" ? { global: true } : {}), ...(s.autoscaleInfo ? { autoscale: s.autoscaleInfo } : {}) })),
    placements: sched.placements,
    unplaced: sched.unplaced,
    hosts,
    observed: containers,
    jobs: fleet.jobs,
    ...(input.record ? { record: input.record } : {}),
    ...(input.hostLostAfterMs !== undefined ? { hostLostAfterMs: input.hostLostAfterMs } : {}),
    allowEmpty: fleet.policy.allowEmpty,
  });
  const addresses = new Map([...connected.hosts].map(([name, h]) => [name, h.address]));
  const traffic = trafficPlan({ services: plan.services, hosts, observations, proxies, addresses });
  if (!traffic) return { plan, observations };
  const withTraffic: Plan = {
    ...plan,
    traffic,
    warnings: [...plan.warnings, ...trafficWarnings(traffic)],
    summary: { ...plan.summary, inSync: plan.summary.inSync && proxiesInSync(traffic) },
  };
  return { plan: withTraffic, observations };
}
