/**
 * The plan as a reviewer reads it in a terminal: asserted on the printed
 * lines themselves.
 */
import assert from "node:assert/strict";
import { formatPlanText } from "../../../reconciler/plan/format-text.ts";
import type { SavedPlan } from "../../../reconciler/plan/plan-defaults.ts";
import type { Plan } from "../../../reconciler/plan/types.ts";
import { container, pod, rollout } from "./mock.ts";
import { APP_V1, APP_V2, H3_DOWN, host, jobPlan, plan, podRef, samplePlan, servicePlan, wave, webV2 } from "./plan-fixtures.ts";

const lines = (p: Plan | SavedPlan, opts: Parameters<typeof formatPlanText>[1] = {}) => formatPlanText(p, opts).split("\n");
const last = (p: Plan, opts: Parameters<typeof formatPlanText>[1] = {}) => lines(p, opts).at(-2);

describe("formatPlanText", () => {
  it("prints the sample plan: incomplete on top, what a create runs, why stop-first, the unknown slot, the steps, the job", () => {
    assert.equal(
      formatPlanText(samplePlan()),
      [
        "Plan for commit 8c09f93c1397 (owner http://git.example.com/fleet.git), made 2026-11-22T00:00:00.000Z",
        `Incomplete: 1 of 3 hosts not observed (h3: ${H3_DOWN}). Slots that may run there are unknown; nothing is done for them.`,
        "Warning: pods may remain on h3 (unreachable)",
        "Hosts: h1 ready, h2 ready, h3 unreachable",
        "",
        "Marks: + create, ~ replace/update, = keep, * unknown (may run on a host that was not observed)",
        "Rollout: each wave starts when the one before has finished; the tracks of a wave run at the same time, each track's steps in order (gate: wait until the new pod is ready).",
        "",
        "service web (3 replicas, spec hash-v2): 1 to create, 1 to replace, 1 unknown",
        "  + slot 0: create on h1 (no pod for slot 0)",
        `      image ${APP_V2}`,
        "      args serve --listen :8080",
        "      env API_TOKEN (secret), LOG_LEVEL",
        "      ports http 8080/tcp on host port 8080",
        "      resources cpu 0.25, memory 64Mi",
        "  ~ slot 1: replace pod p-2 on h2, stop-first",
        `      image ${APP_V1} → ${APP_V2}`,
        "      args changed",
        "      env LOG_LEVEL changed",
        "      secret env API_TOKEN added",
        "      stop-first because host port 8080 is held by the old pod on h2",
        "  * slot 2: unknown on h3, nothing is done",
        "      h3 was not observed; its pod for slot 2 may still run there",
        "  rollout (start-first, maxSurge 1, maxUnavailable 0):",
        "    wave 1 (pull):",
        `      h1: pull ${APP_V2}`,
        `      h2: pull ${APP_V2}`,
        "    wave 2 (repair):",
        "      slot 0 on h1: launch, gate",
        "    wave 3 (replace):",
        "      slot 1 on h2, stop-first (host port 8080 is held by the old pod on h2): stop pod p-2, launch, gate",
        "    wave 4 (finish):",
        "      slot 1 on h2: remove pod p-2",
        "",
        "jobs: 1 to update, 1 unchanged",
        "  ~ job backup: update",
        "      image 127.0.0.1:5000/berth/backup:v1 → 127.0.0.1:5000/berth/backup:v2",
        '      schedule "0 3 * * *" → "*/15 * * * *"',
        '      schedule "*/15 * * * *" in Europe/Berlin; next runs 2026-11-22T01:00:00+01:00, 2026-11-22T01:15:00+01:00, 2026-11-22T01:30:00+01:00',
        "  = job cleanup: keep",
        '      schedule "0 3 * * *" in UTC; next runs 2026-11-22T03:00:00Z, 2026-11-23T03:00:00Z, 2026-11-24T03:00:00Z',
        "",
        "Plan: 1 to create, 1 to replace, 0 unchanged, 1 unknown; 1 job to update. Incomplete: 1 host not observed.",
        "",
      ].join("\n"),
    );
  });

  it("never prints an env value, a secret's source or its value; names the env and the secret", () => {
    process.env["BERTH_SECRET_TEST_API_TOKEN"] = "s3cr3t-token-value";
    try {
      const out = formatPlanText(samplePlan());
      for (const hidden of ["debug-secret-value", "BERTH_SECRET_TEST_API_TOKEN", "s3cr3t-token-value"]) assert.ok(!out.includes(hidden), `${hidden} is printed`);
      assert.ok(out.includes("      env API_TOKEN (secret), LOG_LEVEL\n"));
    } finally {
      delete process.env["BERTH_SECRET_TEST_API_TOKEN"];
    }
  });

  describe("the closing line", () => {
    const kept = (slot: number, on = `h${slot + 1}`) => ({ action: "keep" as const, slot, host: on, from: podRef({ host: on, slot, pod: `p-${slot}` }) });
    const replaced = (slot: number) => ({ action: "replace" as const, slot, host: "h1", from: podRef({ slot, pod: `p-${slot}` }), reasons: ["spec changed"], order: "start-first" as const });
    const cases: { name: string; plan: Plan; want: string }[] = [
      {
        name: "lists only the counts that are not zero, besides unchanged, with jobs after a semicolon",
        plan: plan({
          services: [servicePlan({ replicas: 6, changes: [{ action: "create", slot: 0, host: "h1", reason: "new service" }, replaced(1), replaced(2), replaced(3), kept(4, "h1"), kept(5, "h2")] })],
          jobs: [jobPlan({ action: "update", changes: ["image a → b"] }), jobPlan({ name: "cleanup" })],
        }),
        want: "Plan: 1 to create, 3 to replace, 2 unchanged; 1 job to update.",
      },
      {
        name: "says in sync, with pods and jobs counted in the right number",
        plan: plan({ services: [servicePlan({ replicas: 1, changes: [kept(0)] })], jobs: [jobPlan(), jobPlan({ name: "cleanup" })] }),
        want: "In sync: 1 pod unchanged, 2 jobs unchanged. Nothing to do.",
      },
      {
        name: "never says in sync when a host was not observed, even with nothing to change",
        plan: plan({
          hosts: [host("h1"), host("h2"), host("h3", { state: "unreachable", error: H3_DOWN })],
          services: [servicePlan({ changes: [kept(0), kept(1), { action: "unknown", slot: 2, host: "h3", reason: "h3 was not observed" }] })],
        }),
        want: "Plan: 2 unchanged, 1 unknown. Incomplete: 1 host not observed.",
      },
      {
        name: "never says in sync when refused",
        plan: plan({
          services: [servicePlan({ name: "web", kind: "removed", replicas: 0, changes: [{ action: "remove", slot: 0, host: "h1", from: podRef(), reason: "service deleted from git" }] })],
          refused: { code: "empty-fleet", message: "the commit would remove every pod this owner runs (1 pod); refusing an empty fleet." },
        }),
        want: "Plan: 1 to remove, 0 unchanged. Refused: nothing will be applied.",
      },
      {
        name: "counts several jobs with their plural",
        plan: plan({ jobs: [jobPlan({ action: "create" }), jobPlan({ name: "b", action: "create" }), jobPlan({ name: "c", action: "remove" })] }),
        want: "Plan: 0 unchanged; 2 jobs to create, 1 job to remove.",
      },
    ];
    for (const c of cases) it(c.name, () => assert.equal(last(c.plan), c.want));
  });

  it("shows a refusal on top and says nothing will be applied", () => {
    const p = plan({
      services: [servicePlan({ kind: "removed", replicas: 0, pod: undefined, rollout: undefined, changes: [{ action: "remove", slot: 0, host: "h1", from: podRef(), reason: "service deleted from git" }] })],
      refused: { code: "empty-fleet", message: "the commit would remove every pod this owner runs." },
    });
    assert.deepEqual(lines(p).slice(0, 3), [
      "Plan for commit 8c09f93c1397 (owner http://git.example.com/fleet.git), made 2026-11-22T00:00:00.000Z",
      "Refused: the commit would remove every pod this owner runs. Nothing will be applied (berth apply changes nothing and exits 1).",
      "Hosts: h1 ready, h2 ready",
    ]);
    assert.ok(lines(p).includes("service web (deleted from git): 1 to remove"));
  });

  it("shows a host that left git as such, and an unreachable host's error when the plan does not explain it", () => {
    const hosts = [host("h1"), host("h9", { leftGit: true }), host("h8", { leftGit: true, state: "unreachable", error: "connect ECONNREFUSED" })];
    assert.equal(lines(plan({ hosts }))[1], "Hosts: h1 ready, h9 left git (ready; its pods are removed), h8 left git (unreachable: connect ECONNREFUSED; pods may remain there)");
  });

  it("says 1 replica and 2 replicas", () => {
    const one = lines(plan({ services: [servicePlan({ replicas: 1, changes: [{ action: "create", slot: 0, host: "h1", reason: "new service" }] })] }));
    assert.ok(one.includes("service web (1 replica, spec hash-v1): 1 to create"));
    const two = lines(plan({ services: [servicePlan({ replicas: 2, changes: [{ action: "create", slot: 0, host: "h1", reason: "new service" }] })] }));
    assert.ok(two.includes("service web (2 replicas, spec hash-v1): 1 to create"));
  });

  it("says where an autoscaled count comes from: the decision's metrics within git's bounds, or git's replicas until the first one", () => {
    const decided = lines(plan({ services: [servicePlan({ replicas: 5, autoscale: { min: 2, max: 10, gitReplicas: 2, reason: "cpu 83 % vs target 60 %", at: "2026-12-02T10:00:00.000Z" }, changes: [{ action: "create", slot: 4, host: "h1", reason: "new slot" }] })] }));
    assert.ok(decided.includes("service web (5 replicas (autoscaled; git: 2–10, cpu 83 % vs target 60 %), spec hash-v1): 1 to create"), decided.join("\n"));
    const before = lines(plan({ services: [servicePlan({ replicas: 2, autoscale: { min: 2, max: 10, gitReplicas: 2 }, changes: [{ action: "create", slot: 0, host: "h1", reason: "new service" }] })] }));
    assert.ok(before.includes("service web (2 replicas (autoscaled; git: 2–10, replicas 2 until the first decision), spec hash-v1): 1 to create"), before.join("\n"));
  });

  it("describes the new pod under the first create only, and every container of a pod with templates", () => {
    const withSidecar = pod({
      containers: [
        container({ command: ["/bin/app"], args: ["--greeting", "hello world"], env: { LOG_LEVEL: "debug-secret-value" } }),
        container({ name: "shipper", template: "log-shipper", pattern: "sidecar", image: "127.0.0.1:5000/berth/shipper:v1", resources: { cpu: 0.1, memoryBytes: 32 * 2 ** 20 } }),
      ],
      ports: [
        { name: "http", container: "main", containerPort: 8080, protocol: "tcp" },
        { name: "metrics", container: "shipper", containerPort: 9100, protocol: "tcp" },
      ],
      resources: { cpu: 0.35, memoryBytes: 1.5 * 2 ** 30 },
    });
    const p = plan({
      services: [
        servicePlan({
          pod: withSidecar,
          changes: [0, 1].map((slot) => ({ action: "create" as const, slot, host: `h${slot + 1}`, reason: "new service" })),
        }),
      ],
    });
    assert.deepEqual(lines(p).slice(6, 17), [
      "  + slot 0: create on h1 (new service)",
      `      main: image ${APP_V1}`,
      "      main: command /bin/app",
      '      main: args --greeting "hello world"',
      "      main: env LOG_LEVEL",
      "      shipper (sidecar from log-shipper): image 127.0.0.1:5000/berth/shipper:v1",
      "      ports http 8080/tcp, metrics 9100/tcp in shipper",
      "      resources cpu 0.35, memory 1536Mi",
      "  + slot 1: create on h2 (new service)",
      "      same pod as slot 0",
      "",
    ]);
  });

  it("says why a replacement goes stop-first from its track, a move from host to host, and what is left alone", () => {
    const surge = "the wave's surge budget (maxSurge 1) is spent, and maxUnavailable 1 lets the slot go down";
    const p = plan({
      services: [
        servicePlan({
          rollout: rollout({ maxUnavailable: 1 }),
          changes: [
            { action: "replace", slot: 0, host: "h1", from: podRef(), reasons: ["cpu 0.25 → 0.5"], order: "start-first" },
            { action: "replace", slot: 1, host: "h2", from: podRef({ host: "h3", slot: 1, pod: "p-1" }), reasons: ["cpu 0.25 → 0.5", "host h3 is drained"], order: "start-first" },
            { action: "unplaced", slot: 2, reason: "2 hosts: cpu exhausted (needs 0.5, most free 0.25)", left: podRef({ host: "h2", slot: 2, pod: "p-2" }) },
            { action: "unknown", slot: 3, reason: "a host that may run slot 3 was not observed" },
          ],
          waves: [
            wave(1, "replace", [
              { slot: 0, host: "h1", strategy: "start-first", steps: [{ verb: "launch", host: "h1", slot: 0 }, { verb: "gate", host: "h1", slot: 0 }, { verb: "stop", host: "h1", slot: 0, pod: "p-1" }] },
              { slot: 1, host: "h2", strategy: "stop-first", strategyReason: surge, steps: [{ verb: "stop", host: "h3", slot: 1, pod: "p-1" }, { verb: "launch", host: "h2", slot: 1 }, { verb: "gate", host: "h2", slot: 1 }] },
            ]),
          ],
        }),
      ],
    });
    assert.deepEqual(lines(p).slice(6, 22), [
      "service web (3 replicas, spec hash-v1): 2 to replace, 1 unplaced, 1 unknown",
      "  ~ slot 0: replace pod p-1 on h1, start-first",
      "      cpu 0.25 → 0.5",
      "  ~ slot 1: replace pod p-1 on h3 with a new one on h2, stop-first",
      "      cpu 0.25 → 0.5",
      "      host h3 is drained",
      `      stop-first because ${surge}`,
      "  ? slot 2: cannot be placed",
      "      2 hosts: cpu exhausted (needs 0.5, most free 0.25)",
      "      pod p-2 on h2 is left running",
      "  * slot 3: unknown, nothing is done",
      "      a host that may run slot 3 was not observed",
      "  rollout (start-first, maxSurge 1, maxUnavailable 1):",
      "    wave 1 (replace):",
      "      slot 0 on h1, start-first: launch, gate, stop pod p-1",
      `      slot 1 on h2, stop-first (${surge}): stop pod p-1 on h3, launch, gate`,
    ]);
  });

  it("without showKeep leaves out kept pods, kept jobs and unchanged services, and says how many services it left out", () => {
    const kept = { action: "keep" as const, slot: 0, host: "h1", from: podRef() };
    const p = plan({
      services: [
        servicePlan({ name: "api", replicas: 1, changes: [kept] }),
        servicePlan({ name: "web", replicas: 2, changes: [kept, { action: "recreate", slot: 1, host: "h2", from: podRef({ host: "h2", slot: 1, pod: "p-9", status: "exited (137)" }), reason: "exited (137)" }] }),
      ],
      jobs: [jobPlan(), jobPlan({ name: "report", action: "create", schedule: undefined, nextRuns: [] })],
    });
    assert.deepEqual(lines(p, { showKeep: false }).slice(3), [
      "Marks: + create, ! recreate (same spec, started again)",
      "",
      "service web (2 replicas, spec hash-v1): 1 to recreate, 1 unchanged",
      "  ! slot 1: recreate pod p-9 on h2 (exited (137))",
      "",
      "1 service unchanged (not shown).",
      "",
      "jobs: 1 to create, 1 unchanged",
      "  + job report: create",
      `      image ${APP_V1}`,
      "      resources cpu 0.25, memory 64Mi",
      "      runs on demand only",
      "",
      "Plan: 1 to recreate, 2 unchanged; 1 job to create.",
      "",
    ]);
  });

  it("colours the marks only when asked", () => {
    const p = samplePlan();
    assert.ok(formatPlanText(p, { color: true }).includes("\u001b[32m+\u001b[39m slot 0: create on h1"));
    assert.ok(!formatPlanText(p, { color: false }).includes("\u001b["));
  });

  it("prints a plan saved by an older berth: no jobs, warnings or tracks, complete", () => {
    const fresh = plan({ services: [servicePlan({ changes: [{ action: "replace", slot: 0, host: "h1", from: podRef(), reasons: ["spec changed"], order: "start-first" }] })] });
    const { jobs: _jobs, warnings: _warnings, ...rest } = fresh;
    const { unknown: _u, jobs: _j, complete: _c, unobserved: _o, ...summary } = fresh.summary;
    const older: SavedPlan = { ...rest, summary, services: fresh.services.map((s) => ({ ...s, waves: [{ index: 1, slots: [0], summary: "replace slot 0 (start-first)" }] })) };
    assert.deepEqual(lines(older).slice(5), [
      "service web (3 replicas, spec hash-v1): 1 to replace",
      "  ~ slot 0: replace pod p-1 on h1, start-first",
      "      spec changed",
      "  rollout (start-first, maxSurge 1, maxUnavailable 0):",
      "    wave 1: replace slot 0 (start-first)",
      "",
      "Plan: 1 to replace, 0 unchanged.",
      "",
    ]);
  });

  it("lists every host that was not observed, with why", () => {
    const hosts = [host("h1"), host("h2", { state: "unreachable", error: "timeout" }), host("h3", { state: "unreachable", error: "refused" })];
    const p = plan({ hosts, services: [servicePlan({ pod: webV2, changes: [] })] });
    assert.deepEqual(lines(p).slice(1, 3), [
      "Incomplete: 2 of 3 hosts not observed (h2: timeout; h3: refused). Slots that may run there are unknown; nothing is done for them.",
      "Hosts: h1 ready, h2 unreachable, h3 unreachable",
    ]);
    assert.equal(last(p), "Plan: 0 unchanged. Incomplete: 2 hosts not observed.");
  });
  it("counts a large fleet's hosts on one line and names only those that are not ready (issue 16)", () => {
    const hosts = Array.from({ length: 10_000 }, (_, i) => host(`h${String(i).padStart(4, "0")}`));
    hosts[42] = host("h0042", { state: "unreachable", digest: undefined, error: "connection refused" });
    hosts[4711] = host("h4711", { state: "unreachable", digest: undefined, error: "timed out after 10 s" });
    const out = formatPlanText(plan({ hosts }));
    const line = out.split("\n").find((l) => l.startsWith("Hosts: "));
    assert.equal(line, "Hosts: 9,998 ready; 2 unreachable: h0042, h4711");
    assert.ok(out.includes("h0042: connection refused") || out.includes("h0042 (connection refused)") || out.includes("connection refused"), "the incomplete notice says why h0042 was not observed");
  });
});
