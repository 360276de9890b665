import type { SchedGroup, SchedHost } from "../../../scheduler/types.ts";

export const GiB = 2 ** 30;

export const host = (name: string, over: Partial<SchedHost> = {}): SchedHost => ({
  name,
  labels: {},
  capacity: { cpu: 4, memory: 8 * GiB },
  state: "ready",
  ...over,
});

export const group = (name: string, over: Partial<SchedGroup> = {}): SchedGroup => ({
  kind: "service",
  name,
  replicas: 1,
  resources: { cpu: 1, memory: 1 * GiB },
  hostPorts: [],
  constraints: [],
  strategy: "spread",
  ...over,
});
