/**
 * The host for one run of a Job: the scheduler places it on the fleet as
 * observed, where the services' pods already hold their cpu, memory and
 * host ports. Pure: observations and seed in, a host or the reason there
 * is none out.
 */
import { fixedHostPorts } from "../model/pod.ts";
import type { HostSpec, JobSpec, ServiceSpec } from "../model/fleet.ts";
import type { HostObservation } from "../docker/types.ts";
import { currentPlacements, schedGroups, schedHosts } from "../pipeline/scheduler-input.ts";
import { placePods } from "../../scheduler/place.ts";
import type { SchedGroup } from "../../scheduler/types.ts";

export interface JobRunInput {
  /** The hosts a run may go to. */
  readonly hosts: readonly HostSpec[];
  /** The services of the fleet berth converges to: their pods that run now hold their resources. */
  readonly services: readonly ServiceSpec[];
  /** Every host's observation, taken just before the run. */
  readonly observations: readonly HostObservation[];
  readonly seed: number;
}

/**
 * Places one run of `job`, or says why no host can take it.
 *
 * @example
 * const placed = placeJobRun(job, { hosts: fleet.hosts, services: fleet.services, observations, seed });
 * if ("reason" in placed) log.warn(placed.reason);
 */
export function placeJobRun(job: JobSpec, input: JobRunInput): { host: string } | { reason: string } {
  // Service and job names are DNS labels (schemas/common.schema.json), so
  // `job/<name>` is never a service's group; and current placements are read
  // from service containers only, so the run starts with none of its own.
  const run: SchedGroup = {
    kind: "job",
    name: `job/${job.name}`,
    replicas: 1,
    resources: { cpu: job.pod.resources.cpu, memory: job.pod.resources.memoryBytes },
    hostPorts: fixedHostPorts(job.pod),
    constraints: job.placement.constraints,
    strategy: job.placement.strategy,
  };
  // The services' groups are placed with the run so that their current pods
  // are kept first and take their resources; without them the run saw every
  // host as empty.
  const sched = placePods({
    hosts: schedHosts(input.hosts, input.observations),
    groups: [...schedGroups(input.services), run],
    current: currentPlacements(input.observations.flatMap((o) => (o.ok ? o.containers : []))),
    seed: input.seed,
  });
  const placed = sched.placements.find((p) => p.group === run.name);
  return placed ? { host: placed.host } : { reason: sched.unplaced.find((u) => u.group === run.name)?.reason ?? "no host" };
}
