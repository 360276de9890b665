/**
 * Small constructors for plan tests, in the style of Nomad's `mock`
 * package: a valid default, overridden field by field.
 */
import type { RolloutPolicy } from "../../../reconciler/model/fleet.ts";
import type { ContainerSpec, PodSpec } from "../../../reconciler/model/pod.ts";
import type { DesiredService, DiffInput } from "../../../reconciler/plan/diff.ts";
import type { ObservedContainerView } from "../../../reconciler/plan/observed-pods.ts";
import { LABEL } from "../../../reconciler/docker/labels.ts";

export const rollout = (over: Partial<RolloutPolicy> = {}): RolloutPolicy => ({
  maxSurge: 1,
  maxUnavailable: 0,
  order: "start-first",
  minReadyMs: 0,
  monitorMs: 5_000,
  progressDeadlineMs: 60_000,
  onFailure: "rollback",
  ...over,
});

export const container = (over: Partial<ContainerSpec> = {}): ContainerSpec => ({
  name: "main",
  image: "127.0.0.1:5000/berth/app:v1",
  env: {},
  secretEnv: [],
  volumeMounts: [],
  resources: { cpu: 0.25, memoryBytes: 64 * 2 ** 20 },
  privileged: false,
  ...over,
});

export const pod = (over: Partial<PodSpec> = {}): PodSpec => ({
  name: "web",
  kind: "service",
  containers: [container()],
  network: "bridge",
  ports: [{ name: "http", container: "main", containerPort: 8080, protocol: "tcp" }],
  volumes: [],
  health: { kind: "image" },
  resources: { cpu: 0.25, memoryBytes: 64 * 2 ** 20 },
  labels: {},
  stopGracePeriodMs: 10_000,
  specHash: "hash-v1",
  ...over,
});

export const service = (over: Partial<DesiredService> = {}): DesiredService => ({
  name: "web",
  replicas: 3,
  pod: pod(),
  rollout: rollout(),
  ...over,
});

let nextId = 0;

/** The main container of a running, healthy pod of `spec` in `slot` on `host`. */
export const observed = (spec: PodSpec, slot: number, host: string, over: Partial<ObservedContainerView> = {}): ObservedContainerView => {
  const id = `c${++nextId}`;
  return {
    host,
    id,
    name: `${spec.name}-${slot}-${id}`,
    labels: { [LABEL.spec]: JSON.stringify(spec) },
    state: "running",
    health: "healthy",
    kind: "service",
    group: spec.name,
    slot,
    container: "main",
    pod: `p-${id}`,
    specHash: spec.specHash,
    commit: "c0ffee",
    ...over,
  };
};

export const input = (over: Partial<DiffInput> = {}): DiffInput => ({
  owner: "test-owner",
  commit: "abc123",
  now: Date.UTC(2026, 10, 22),
  services: [service()],
  placements: [0, 1, 2].map((slot) => ({ group: "web", slot, host: `h${slot + 1}` })),
  unplaced: [],
  hosts: ["h1", "h2", "h3"].map((name) => ({ name, state: "ready" as const })),
  observed: [],
  ...over,
});

// Jobs. (Imports are hoisted; they sit here so this block only appends to a shared file.)
import type { JobSpec } from "../../../reconciler/model/fleet.ts";
import type { JobRunView } from "../../../reconciler/plan/job-diff.ts";

/** The pod of one run of the `backup` job. */
export const jobPod = (over: Partial<PodSpec> = {}): PodSpec => pod({ name: "backup", kind: "job", ports: [], specHash: "job-v1", ...over });

export const job = (over: Partial<JobSpec> = {}): JobSpec => ({
  name: "backup",
  pod: jobPod(),
  placement: { constraints: [], strategy: "spread", distinctHosts: true },
  schedule: "0 3 * * *",
  timezone: "UTC",
  concurrency: "forbid",
  historyLimit: 3,
  labels: {},
  source: { file: "jobs.yaml", line: 1 },
  ...over,
});

/** The main container of a finished run of `spec`, created at `createdAt` (ms). */
export const jobRun = (spec: PodSpec, createdAt: number, over: Partial<JobRunView> = {}): JobRunView => ({
  kind: "job",
  group: spec.name,
  container: "main",
  pod: `run-${++nextId}`,
  labels: { [LABEL.spec]: JSON.stringify(spec) },
  specHash: spec.specHash,
  createdAt,
  ...over,
});
