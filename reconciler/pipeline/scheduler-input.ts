/**
 * Maps berth's model and observations onto the scheduler's plain inputs.
 */
import type { HostSpec, ServiceSpec } from "../model/fleet.ts";
import { fixedHostPorts } from "../model/pod.ts";
import type { HostObservation, ObservedContainer } from "../docker/types.ts";
import type { SchedGroup, SchedHost, SlotPlacement } from "../../scheduler/types.ts";

export function schedHosts(hosts: readonly HostSpec[], observations: readonly HostObservation[]): SchedHost[] {
  const byName = new Map(observations.map((o) => [o.host, o]));
  return hosts.map((h) => {
    const o = byName.get(h.name);
    const observed = o?.ok ? o.capacity : undefined;
    return {
      name: h.name,
      labels: h.labels,
      capacity: { cpu: h.capacity?.cpu ?? observed?.cpu ?? 0, memory: h.capacity?.memoryBytes ?? observed?.memory ?? 0 },
      state: !o?.ok ? "down" : h.drain ? "drained" : "ready",
      ...(o?.ok && o.portsInUse.length ? { portsInUse: o.portsInUse } : {}),
    };
  });
}

export function schedGroups(services: readonly ServiceSpec[]): SchedGroup[] {
  return services.map((s) => ({
    kind: "service",
    name: s.name,
    replicas: s.replicas,
    resources: { cpu: s.pod.resources.cpu, memory: s.pod.resources.memoryBytes },
    hostPorts: fixedHostPorts(s.pod),
    constraints: s.placement.constraints,
    ...(s.placement.spread ? { spread: s.placement.spread } : {}),
    strategy: s.placement.strategy,
    distinctHosts: s.placement.distinctHosts,
  }));
}

/**
 * Where each slot runs now, read from the main containers' labels. Of
 * several pods for one slot (an interrupted rollout), a running one wins.
 */
export function currentPlacements(containers: readonly ObservedContainer[], recorded: readonly SlotPlacement[] = []): SlotPlacement[] {
  // Where berth last put each slot: of two running pods in one slot (a lost host that came back with the pod
  // whose slot was moved away), the one berth put there later stays, and the returning one goes.
  const lastPut = new Map(recorded.map((r) => [`${r.group}\u0000${r.slot}`, r.host]));
  const best = new Map<string, ObservedContainer>();
  for (const c of containers) {
    if (c.kind !== "service" || c.container !== "main" || c.slot < 0) continue;
    const key = `${c.group}\u0000${c.slot}`;
    const prev = best.get(key);
    const better = !prev || (prev.state !== "running" && c.state === "running") || (prev.state === c.state && prev.host !== lastPut.get(key) && c.host === lastPut.get(key));
    if (better) best.set(key, c);
  }
  return [...best.values()].map((c) => ({ group: c.group, slot: c.slot, host: c.host }));
}
