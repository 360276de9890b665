/**
 * Small constructors for printed-plan tests: a valid default, overridden
 * field by field, with the summary counted from the changes so a fixture
 * cannot contradict itself.
 */
import type { PodSpec } from "../../../reconciler/model/pod.ts";
import type { JobPlan, Plan, PlanChange, PlanHost, PlanSummary, PodRef, ServicePlan, Track, Wave } from "../../../reconciler/plan/types.ts";
import { container, pod, rollout } from "./mock.ts";

export const APP_V1 = "127.0.0.1:5000/berth/app:v1";
export const APP_V2 = "127.0.0.1:5000/berth/app:v2";
export const H3_DOWN = 'host "h3" at tcp://127.0.0.3:2375 cannot be reached: connect ECONNREFUSED 127.0.0.3:2375';

/** The desired pod of the sample plan: a fixed host port, a plain env value and a secret reference. */
export const webV2: PodSpec = pod({
  specHash: "hash-v2",
  containers: [
    container({
      image: APP_V2,
      args: ["serve", "--listen", ":8080"],
      env: { LOG_LEVEL: "debug-secret-value" },
      secretEnv: [{ name: "API_TOKEN", fromEnv: "BERTH_SECRET_TEST_API_TOKEN" }],
    }),
  ],
  ports: [{ name: "http", container: "main", containerPort: 8080, hostPort: 8080, protocol: "tcp" }],
});

export const podRef = (over: Partial<PodRef> = {}): PodRef => {
  const pod = over.pod ?? "p-1";
  return {
    host: "h1",
    pod,
    slot: 0,
    specHash: "hash-v1",
    commit: "c0ffee",
    status: "running",
    containers: [{ id: `${pod}-main`, name: `web-0-${pod}`, container: "main" }],
    ...over,
  };
};

export const wave = (index: number, kind: Wave["kind"], tracks: readonly Track[], summary = `${kind} wave`): Wave => ({
  index,
  kind,
  slots: [...new Set(tracks.flatMap((t) => (t.slot === undefined ? [] : [t.slot])))],
  summary,
  tracks,
});

export const servicePlan = (over: Partial<ServicePlan> = {}): ServicePlan => ({
  name: "web",
  kind: "service",
  replicas: 3,
  pod: pod(),
  rollout: rollout(),
  changes: [],
  waves: [],
  ...over,
});

export const jobPlan = (over: Partial<JobPlan> = {}): JobPlan => ({
  name: "backup",
  action: "keep",
  changes: [],
  schedule: "0 3 * * *",
  timezone: "UTC",
  nextRuns: ["2026-11-22T03:00:00Z", "2026-11-23T03:00:00Z", "2026-11-24T03:00:00Z"],
  pod: pod({ name: "backup", kind: "job", ports: [] }),
  ...over,
});

/** The summary `diffFleet` would give these services, jobs and hosts. */
export function summaryOf(services: readonly ServicePlan[], jobs: readonly JobPlan[], hosts: readonly PlanHost[], refused = false): PlanSummary {
  const n: Record<PlanChange["action"], number> = { create: 0, replace: 0, resize: 0, recreate: 0, remove: 0, keep: 0, unplaced: 0, unknown: 0 };
  for (const s of services) for (const c of s.changes) n[c.action]++;
  const j = { create: 0, update: 0, remove: 0, keep: 0 };
  for (const x of jobs) j[x.action]++;
  const unobserved = hosts.filter((h) => h.state === "unreachable" && !h.leftGit).map((h) => ({ host: h.name, reason: h.error ?? "unreachable" }));
  const complete = unobserved.length === 0;
  const changes = n.create + n.replace + n.resize + n.recreate + n.remove + j.create + j.update + j.remove;
  return { ...n, jobs: j, complete, unobserved, inSync: complete && changes === 0 && !refused };
}

export const host = (name: string, over: Partial<PlanHost> = {}): PlanHost => ({ name, state: "ready", digest: `digest-${name}`, ...over });

/** A plan with its summary counted; pass `summary` to override it. */
export const plan = (over: Partial<Plan> = {}): Plan => {
  const services = over.services ?? [];
  const jobs = over.jobs ?? [];
  const hosts = over.hosts ?? [host("h1"), host("h2")];
  return {
    apiVersion: "berth/v1",
    kind: "Plan",
    owner: "http://git.example.com/fleet.git",
    commit: "8c09f93c1397aa1b2c3d4e5f60718293a4b5c6d7",
    createdAt: "2026-11-22T00:00:00.000Z",
    hosts,
    services,
    jobs,
    warnings: [],
    ...over,
    summary: over.summary ?? summaryOf(services, jobs, hosts, over.refused !== undefined),
  };
};

/**
 * The plan a reviewer meets most: one create, one replace that must go
 * stop-first (its old pod holds host port 8080), one slot unknown on an
 * unreachable host, one job update, and a warning.
 */
export function samplePlan(): Plan {
  const old = podRef({ host: "h2", pod: "p-2", slot: 1 });
  const held = "host port 8080 is held by the old pod on h2";
  const web = servicePlan({
    pod: webV2,
    changes: [
      { action: "create", slot: 0, host: "h1", reason: "no pod for slot 0" },
      {
        action: "replace",
        slot: 1,
        host: "h2",
        from: old,
        reasons: [`image ${APP_V1} → ${APP_V2}`, "args changed", "env LOG_LEVEL changed", "secret env API_TOKEN added"],
        order: "stop-first",
        orderReason: held,
      },
      { action: "unknown", slot: 2, host: "h3", reason: "h3 was not observed; its pod for slot 2 may still run there" },
    ],
    waves: [
      wave(1, "pull", [{ host: "h1", steps: [{ verb: "pull", host: "h1", image: APP_V2 }] }, { host: "h2", steps: [{ verb: "pull", host: "h2", image: APP_V2 }] }]),
      wave(2, "repair", [{ slot: 0, host: "h1", steps: [{ verb: "launch", host: "h1", slot: 0 }, { verb: "gate", host: "h1", slot: 0 }] }]),
      wave(3, "replace", [
        {
          slot: 1,
          host: "h2",
          strategy: "stop-first",
          strategyReason: held,
          steps: [
            { verb: "stop", host: "h2", slot: 1, pod: "p-2" },
            { verb: "launch", host: "h2", slot: 1 },
            { verb: "gate", host: "h2", slot: 1 },
          ],
        },
      ]),
      wave(4, "finish", [{ slot: 1, host: "h2", steps: [{ verb: "remove", host: "h2", slot: 1, pod: "p-2" }] }]),
    ],
  });
  const backup = jobPlan({
    action: "update",
    changes: ["image 127.0.0.1:5000/berth/backup:v1 → 127.0.0.1:5000/berth/backup:v2", 'schedule "0 3 * * *" → "*/15 * * * *"'],
    schedule: "*/15 * * * *",
    timezone: "Europe/Berlin",
    nextRuns: ["2026-11-22T01:00:00+01:00", "2026-11-22T01:15:00+01:00", "2026-11-22T01:30:00+01:00"],
    pod: pod({ name: "backup", kind: "job", ports: [], containers: [container({ image: "127.0.0.1:5000/berth/backup:v2", env: { LOG_LEVEL: "debug-secret-value" } })] }),
  });
  return plan({
    hosts: [host("h1"), host("h2"), host("h3", { state: "unreachable", error: H3_DOWN, digest: undefined })],
    services: [web],
    jobs: [backup, jobPlan({ name: "cleanup" })],
    warnings: ["pods may remain on h3 (unreachable)"],
  });
}

/** One service whose `replicas` slots are all replaced, spread over `hosts` hosts, with the waves plan/steps.ts makes for maxSurge 1. */
export function bigReplacePlan(replicas: number, hosts = 50): Plan {
  const names = Array.from({ length: hosts }, (_, i) => `h${i + 1}`);
  const changes: Extract<PlanChange, { action: "replace" }>[] = [];
  const replaceWaves: Wave[] = [];
  for (let slot = 0; slot < replicas; slot++) {
    const on = names[slot % hosts]!;
    const from = podRef({ host: on, pod: `p-${slot}`, slot });
    changes.push({ action: "replace", slot, host: on, from, reasons: [`image ${APP_V1} → ${APP_V2}`, "env LOG_LEVEL changed"], order: "start-first" });
    const steps = [
      { verb: "launch", host: on, slot },
      { verb: "gate", host: on, slot },
      { verb: "stop", host: on, slot, pod: from.pod },
    ] as const;
    replaceWaves.push(wave(slot + 2, "replace", [{ slot, host: on, strategy: "start-first", steps }]));
  }
  const pull = wave(1, "pull", names.map((h) => ({ host: h, steps: [{ verb: "pull", host: h, image: APP_V2 }] })));
  const finish = wave(replicas + 2, "finish", changes.map((c) => ({ slot: c.slot, host: c.host, steps: [{ verb: "remove", host: c.host, slot: c.slot, pod: `p-${c.slot}` }] })));
  return plan({
    hosts: names.map((h) => host(h)),
    services: [servicePlan({ replicas, pod: webV2, changes, waves: [pull, ...replaceWaves, finish] })],
  });
}

/** `count` services of two replicas each: slot 0 replaced, slot 1 kept. */
export function manyServicesPlan(count: number): Plan {
  const services = Array.from({ length: count }, (_, i): ServicePlan => {
    const name = `svc-${String(i).padStart(4, "0")}`;
    const from = podRef({ host: "h1", pod: `${name}-p0`, slot: 0 });
    return servicePlan({
      name,
      replicas: 2,
      pod: pod({ name, specHash: "hash-v2", containers: [container({ image: APP_V2 })] }),
      changes: [
        { action: "replace", slot: 0, host: "h1", from, reasons: [`image ${APP_V1} → ${APP_V2}`], order: "start-first" },
        { action: "keep", slot: 1, host: "h2", from: podRef({ host: "h2", pod: `${name}-p1`, slot: 1 }) },
      ],
      waves: [
        wave(1, "pull", [{ host: "h1", steps: [{ verb: "pull", host: "h1", image: APP_V2 }] }]),
        wave(2, "replace", [{ slot: 0, host: "h1", strategy: "start-first", steps: [{ verb: "launch", host: "h1", slot: 0 }, { verb: "gate", host: "h1", slot: 0 }, { verb: "stop", host: "h1", slot: 0, pod: from.pod }] }]),
        wave(3, "finish", [{ slot: 0, host: "h1", steps: [{ verb: "remove", host: "h1", slot: 0, pod: from.pod }] }]),
      ],
    });
  });
  return plan({ services });
}
