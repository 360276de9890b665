/**
 * DaemonStatus values for the fleet view's tests: a small fleet with every
 * part filled in, and a large one (many services and hosts) for size and
 * speed.
 */
import type { DaemonStatus, HostStatus, ServiceStatus } from "../../../reconciler/loop/status.ts";

export const NOW = Date.parse("2026-05-01T12:00:00Z");
export const iso = (msBefore: number) => new Date(NOW - msBefore).toISOString();
const GiB = 1024 ** 3;

export function smallStatus(): DaemonStatus {
  return {
    owner: "demo",
    leader: true,
    source: { identity: "http://127.0.0.1:8418/demo/fleet.git", commitSeen: "c".repeat(40), commitApplied: "a".repeat(40) },
    lastPass: { at: iso(3_000), trigger: "poll", ms: 412, result: "converged" },
    services: [
      {
        name: "web",
        commit: "a".repeat(40),
        desired: 3,
        ready: 3,
        hosts: ["h1", "h2", "h3"],
        endpoints: [],
        health: "healthy",
        lastResult: "converged",
        expose: [{ port: 18080, targetPort: "http", addresses: ["h1", "h2", "h3"].map((h, i) => ({ host: h, address: `127.0.0.1${i + 1}:18080`, proxy: "in-sync" as const })) }],
        backends: [],
        replicas: ["h1", "h2", "h3"].map((h, i) => ({ host: h, slot: i, pod: `web-${i}`, status: "healthy", ready: true, since: iso(90_000) })),
      },
      { name: "api", commit: "a".repeat(40), desired: 2, ready: 1, hosts: ["h1"], endpoints: [], health: "degraded", lastResult: "converged", replicas: [{ host: "h1", slot: 0, pod: "api-0", status: "running", ready: true }, { host: "h3", slot: 1, pod: "api-1", status: "exited (1)", ready: false }] },
    ],
    hosts: [
      { name: "h1", reachable: true, state: "ready", capacity: { cpu: 4, memoryBytes: 8 * GiB }, used: { cpu: 0.75, memoryBytes: 192 * 1024 ** 2 }, pods: 3 },
      { name: "h2", reachable: true, state: "ready", capacity: { cpu: 4, memoryBytes: 8 * GiB }, used: { cpu: 0.25, memoryBytes: 64 * 1024 ** 2 }, pods: 1 },
      { name: "h3", reachable: false, state: "unreachable", error: "connect ECONNREFUSED 127.0.0.13:2375" },
    ],
    held: [{ commit: "b".repeat(40), reason: "web: health check failed: GET /healthz answered 500" }],
    diagnostics: ["services/web.yaml:14:12: error: spec.replicas must be integer (got \"three\")"],
    jobs: [{ name: "nightly-report", schedule: "0 3 * * *", nextRun: new Date(NOW + 15 * 3600_000).toISOString(), lastRun: { at: iso(9 * 3600_000), result: "succeeded", exitCode: 0, output: "token=hunter2-secret-output", durationMs: 1200 }, recentRuns: [{ at: iso(9 * 3600_000), result: "succeeded", exitCode: 0, output: "token=hunter2-secret-output", durationMs: 1200 }, { at: iso(33 * 3600_000), result: "failed", exitCode: 2, output: "hunter2 again", durationMs: 45_000 }] }],
    rollout: {
      commit: "c".repeat(40),
      startedAt: iso(20_000),
      services: [
        {
          service: "web",
          progressDeadlineMs: 600_000,
          slots: [
            { slot: 0, host: "h1", action: "replace", phase: "routed", since: iso(8_000), startedAt: iso(18_000) },
            { slot: 1, host: "h2", action: "replace", phase: "launching", since: iso(6_000), startedAt: iso(6_000), message: "starting pod web-1b" },
            { slot: 2, host: "h3", action: "replace", phase: "queued", since: iso(20_000) },
          ],
          last: { at: iso(6_000), phase: "start", message: "starting pod web-1b" },
        },
      ],
    },
    history: [
      { at: iso(600_000), owner: "demo", commit: "a".repeat(40), author: "Dana Deployer", message: "web: app v1\n\nlonger body", trigger: "start", result: "converged", services: [{ name: "web", result: "converged" }], ms: 5200 },
      { at: iso(60_000), owner: "demo", commit: "b".repeat(40), message: "web: app v2", trigger: "poll", result: "rolled-back", services: [{ name: "web", result: "rolled-back", reason: "health check failed" }], ms: 9100 },
    ],
  };
}

/** `services` services of 3 replicas spread over `hosts` hosts, every 50th host unreachable, and a rollout of 20 services under way. */
export function largeStatus(services: number, hosts: number): DaemonStatus {
  const hostName = (i: number) => `host-${String(i).padStart(3, "0")}`;
  const hostList: HostStatus[] = Array.from({ length: hosts }, (_, i) =>
    i % 50 === 49
      ? { name: hostName(i), reachable: false, state: "unreachable", error: `connect ETIMEDOUT 10.0.${i >> 8}.${i & 255}:2376` }
      : { name: hostName(i), reachable: true, state: "ready", capacity: { cpu: 16, memoryBytes: 64 * GiB }, used: { cpu: 3.5, memoryBytes: 12 * GiB }, pods: 6 },
  );
  const serviceList: ServiceStatus[] = Array.from({ length: services }, (_, i) => {
    const name = `svc-${String(i).padStart(4, "0")}`;
    const replicas = [0, 1, 2].map((slot) => ({ host: hostName((i * 3 + slot) % hosts), slot, pod: `${name}-${slot}-0123456789ab`, status: "healthy", ready: true, since: iso(3600_000) }));
    return { name, commit: "a".repeat(40), desired: 3, ready: 3, hosts: replicas.map((r) => r.host), endpoints: [], health: "healthy", lastResult: "converged", replicas };
  });
  return {
    ...smallStatus(),
    owner: "large",
    services: serviceList,
    hosts: hostList,
    rollout: {
      commit: "c".repeat(40),
      startedAt: iso(30_000),
      services: serviceList.slice(0, 20).map((s) => ({ service: s.name, progressDeadlineMs: 600_000, slots: [0, 1, 2].map((slot) => ({ slot, host: s.hosts[slot]!, action: "replace", phase: slot === 0 ? ("launching" as const) : ("queued" as const), since: iso(10_000), startedAt: iso(10_000) })) })),
    },
  };
}
