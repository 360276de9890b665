/**
 * Defaults filled in when a document leaves a field out. They live in one
 * place so the schemas' descriptions, the loader and the docs agree; a
 * change here changes spec hashes, so change them with care.
 */

/** Per container, when `resources.cpu` is not given. */
export const DEFAULT_CPU = 0.1;
/** Per container, when `resources.memory` is not given: 64 MiB. */
export const DEFAULT_MEMORY_BYTES = 64 * 2 ** 20;
export const DEFAULT_STOP_GRACE_PERIOD_MS = 10_000;
export const DEFAULT_REPLICAS = 1;

export const DEFAULT_HEALTH_TIMING = {
  intervalMs: 5_000,
  timeoutMs: 2_000,
  retries: 3,
  startPeriodMs: 0,
} as const;

export const DEFAULT_ROLLOUT = {
  maxSurge: 1,
  maxUnavailable: 0,
  order: "start-first",
  minReadyMs: 0,
  monitorMs: 5_000,
  progressDeadlineMs: 10 * 60_000,
  onFailure: "rollback",
} as const;

export const DEFAULT_PLACEMENT = {
  strategy: "spread",
  distinctHosts: true,
} as const;

export const DEFAULT_JOB = {
  timezone: "UTC",
  concurrency: "forbid",
  historyLimit: 3,
} as const;
