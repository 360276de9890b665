/**
 * A global service (`placement.mode: global`) runs one pod on every host
 * that may run it: in git (and not leaving it), not drained, passing its
 * constraints. Its replica count is that number, set here before the
 * scheduler runs; with distinct hosts the scheduler then puts exactly one
 * pod on each. A host that is down still counts: its slot stays unknown
 * rather than moving, as for any service, so a blind spot never starts a
 * second pod.
 */
import type { HostSpec, ServiceSpec } from "../model/fleet.ts";
import { constraintsHold } from "../../scheduler/filters.ts";

/** The hosts a global service runs on. */
export function globalHosts(service: Pick<ServiceSpec, "placement">, hosts: readonly HostSpec[]): HostSpec[] {
  // The scheduler's own reading of constraints, so the count and the placements agree.
  return hosts.filter((h) => !h.drain && constraintsHold(h.labels, service.placement.constraints));
}

/** The services with each global one's replica count set from `hosts` (the hosts in git). */
export function withGlobalReplicas(services: readonly ServiceSpec[], hosts: readonly HostSpec[]): ServiceSpec[] {
  return services.map((s) => (s.placement.mode === "global" ? { ...s, replicas: globalHosts(s, hosts).length, placement: { ...s.placement, distinctHosts: true } } : s));
}
