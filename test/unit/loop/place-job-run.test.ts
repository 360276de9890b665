/**
 * Where one run of a Job goes, on a fleet where services already run.
 */
import assert from "node:assert/strict";
import type { HostObservation, ObservedContainer } from "../../../reconciler/docker/types.ts";
import type { HostSpec, ServiceSpec } from "../../../reconciler/model/fleet.ts";
import type { PodSpec } from "../../../reconciler/model/pod.ts";
import { placeJobRun } from "../../../reconciler/loop/place-job-run.ts";
import { container, job, jobPod, pod, rollout } from "../plan/mock.ts";

const GiB = 2 ** 30;
const res = (cpu: number, memoryBytes: number) => ({ cpu, memoryBytes });

const host = (name: string): HostSpec => ({ name, endpoint: `unix:///run/${name}.sock`, insecure: false, labels: {}, drain: false, source: { file: "hosts.yaml", line: 1 } });

const service = (name: string, replicas: number, spec: PodSpec): ServiceSpec => ({
  name,
  replicas,
  pod: spec,
  placement: { constraints: [], strategy: "spread", distinctHosts: false },
  rollout: rollout(),
  labels: {},
  source: { file: "services.yaml", line: 1 },
});

/** The main container of a running service pod. */
const running = (spec: PodSpec, slot: number, on: string): ObservedContainer => ({
  host: on,
  id: `${spec.name}-${slot}`,
  name: `${spec.name}-${slot}`,
  labels: {},
  image: spec.containers[0]!.image,
  state: "running",
  health: "healthy",
  createdAt: 0,
  ports: [],
  owner: "test-owner",
  kind: "service",
  group: spec.name,
  slot,
  container: "main",
  pod: `p-${spec.name}-${slot}`,
  specHash: spec.specHash,
  commit: "c0ffee",
});

const observed = (name: string, cpu: number, containers: ObservedContainer[]): HostObservation => ({ host: name, ok: true, containers, capacity: { cpu, memory: 4 * GiB }, portsInUse: [] });

// h1 is the bigger host: a run that saw both hosts empty would go there (spread: least allocated after placing).
const web = pod({ name: "web", resources: res(0.5, 512 * 2 ** 20), containers: [container({ resources: res(0.5, 512 * 2 ** 20) })] });
const backup = job({ pod: jobPod({ resources: res(0.5, 256 * 2 ** 20), containers: [container({ resources: res(0.5, 256 * 2 ** 20) })] }) });
const hosts = [host("h1"), host("h2")];

describe("placeJobRun", function () {
  // Guards the bug where a job run was placed as if services took no cpu or memory.
  it("a host full of service pods does not get the run: it goes to the other host, whatever the seed", function () {
    const observations = [observed("h1", 2, [0, 1, 2, 3].map((slot) => running(web, slot, "h1"))), observed("h2", 1, [])];
    for (let seed = 1; seed <= 20; seed++) {
      assert.deepEqual(placeJobRun(backup, { hosts, services: [service("web", 4, web)], observations, seed }), { host: "h2" }, `seed ${seed}`);
    }
  });

  it("when the services fill every host, the run is unplaced with its own needs as the reason", function () {
    const observations = [observed("h1", 2, [0, 1, 2, 3].map((slot) => running(web, slot, "h1"))), observed("h2", 1, [4, 5].map((slot) => running(web, slot, "h2")))];
    assert.deepEqual(placeJobRun(backup, { hosts, services: [service("web", 6, web)], observations, seed: 1 }), { reason: "2 hosts: cpu exhausted (needs 0.5, most free 0)" });
  });

  // The services are placed too, so the run's result must be picked by its group, not taken as the first.
  it("the run's host is its own placement, not that of a service placed with it", function () {
    const api = pod({ name: "api", specHash: "api", resources: res(0.5, 512 * 2 ** 20), containers: [container({ resources: res(0.5, 512 * 2 ** 20) })] });
    const placed = placeJobRun(backup, { hosts, services: [service("api", 1, api)], observations: [observed("h1", 2, []), observed("h2", 1, [running(api, 0, "h2")])], seed: 1 });
    assert.deepEqual(placed, { host: "h1" });
  });

  it("the reason a run is unplaced is its own, not that of a service that cannot be placed either", function () {
    const api = pod({ name: "api", specHash: "api", resources: res(16, GiB), containers: [container({ resources: res(16, GiB) })] });
    const big = job({ pod: jobPod({ resources: res(4, GiB), containers: [container({ resources: res(4, GiB) })] }) });
    const placed = placeJobRun(big, { hosts, services: [service("api", 1, api)], observations: [observed("h1", 2, []), observed("h2", 1, [])], seed: 1 });
    assert.deepEqual(placed, { reason: "2 hosts: cpu exhausted (needs 4, most free 2)" });
  });
});
