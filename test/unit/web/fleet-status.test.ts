/**
 * The status fields the fleet view reads (reconciler/loop/status.ts):
 * replicas with their age, hosts with capacity and use, jobs' next run.
 */
import assert from "node:assert/strict";
import type { HostObservation, ObservedContainer } from "../../../reconciler/docker/types.ts";
import type { HostSpec, JobSpec } from "../../../reconciler/model/fleet.ts";
import { hostsOf, podsCreatedAt, servicesFromPlan, withNextRuns } from "../../../reconciler/loop/status.ts";
import { trafficPlan } from "../plan/traffic-fixtures.ts";

const T = Date.parse("2026-05-01T12:00:00Z");
const GiB = 1024 ** 3;

function main(host: string, group: string, pod: string, over: Partial<ObservedContainer> = {}): ObservedContainer {
  return { host, id: `id-${pod}`, name: pod, labels: {}, image: "app", state: "running", health: "healthy", createdAt: T - 60_000, ports: [], owner: "o", kind: "service", group, slot: 0, container: "main", pod, specHash: "h", commit: "c", ...over };
}

const hostSpec = (name: string, capacity?: HostSpec["capacity"]): HostSpec => ({ name, endpoint: "tcp://x:2375", insecure: true, labels: {}, drain: false, source: { file: "hosts.yaml", line: 1 }, ...(capacity ? { capacity } : {}) }) as HostSpec;

describe("status for the fleet view", () => {
  const plan = trafficPlan();
  const web = plan.services.find((s) => s.name === "web")!;

  it("lists every pod of a service by host, ready or not, with when its main container was created", () => {
    const created = podsCreatedAt([{ host: "h1", ok: true, containers: [main("h1", "web", "p-1"), main("h1", "web", "p-1", { container: "log-shipper", createdAt: 0 })], capacity: { cpu: 4, memory: 8 * GiB }, portsInUse: [] }]);
    const [s] = servicesFromPlan(plan, new Map(), { createdAt: created }).filter((x) => x.name === "web");
    assert.deepEqual(s!.replicas, [
      { host: "h1", slot: 0, pod: "p-1", status: "running", ready: true, since: new Date(T - 60_000).toISOString() },
      { host: "h2", slot: 1, pod: "p-2", status: "running", ready: true },
    ]);
  });

  it("gives each observed host what it offers and what this owner's running pods reserve", () => {
    const observations: HostObservation[] = [
      { host: "h1", ok: true, containers: [main("h1", "web", "p-1"), main("h1", "web", "p-9", { state: "exited" }), main("h1", "web", "p-1", { container: "sidecar" })], capacity: { cpu: 8, memory: 16 * GiB }, portsInUse: [] },
      { host: "h2", ok: true, containers: [main("h2", "web", "p-2", { resources: { cpu: 2, memoryBytes: GiB } })], capacity: { cpu: 8, memory: 16 * GiB }, portsInUse: [] },
      { host: "h3", ok: false, error: { code: "host-unreachable", reaction: "retry", message: "down", data: {} } },
    ];
    const planned = { ...plan, hosts: [{ name: "h1", state: "ready" as const }, { name: "h2", state: "ready" as const }, { name: "h3", state: "unreachable" as const, error: "down" }] };
    const hosts = hostsOf(planned, observations, [hostSpec("h1", { cpu: 2 }), hostSpec("h2"), hostSpec("h3")]);
    assert.deepEqual(hosts, [
      // The Host document's cpu wins over the engine's; memory is the engine's. One running main pod: the exited one and the sidecar do not count.
      { name: "h1", reachable: true, state: "ready", capacity: { cpu: 2, memoryBytes: 16 * GiB }, used: { cpu: web.pod!.resources.cpu, memoryBytes: web.pod!.resources.memoryBytes }, pods: 1 },
      // Resized in place: its own limits count.
      { name: "h2", reachable: true, state: "ready", capacity: { cpu: 8, memoryBytes: 16 * GiB }, used: { cpu: 2, memoryBytes: GiB }, pods: 1 },
      { name: "h3", reachable: false, state: "unreachable", error: "down" },
    ]);
  });

  it("gives a scheduled job its next run in its time zone, and leaves others as they are", () => {
    const specs = [
      { name: "nightly", schedule: "0 3 * * *", timezone: "Europe/Berlin" },
      { name: "by-hand", timezone: "UTC" },
    ] as unknown as JobSpec[];
    const jobs = withNextRuns([{ name: "nightly", schedule: "0 3 * * *" }, { name: "by-hand" }, { name: "gone", schedule: "* * * * *" }], specs, T);
    assert.deepEqual(jobs, [{ name: "nightly", schedule: "0 3 * * *", nextRun: "2026-05-02T03:00:00+02:00" }, { name: "by-hand" }, { name: "gone", schedule: "* * * * *" }]);
  });
});
