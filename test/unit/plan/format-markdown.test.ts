/**
 * The plan as a pull-request comment: asserted on the Markdown itself, and
 * on its length for fleets of any size.
 */
import assert from "node:assert/strict";
import { formatPlanMarkdown } from "../../../reconciler/plan/format-markdown.ts";
import type { SavedPlan } from "../../../reconciler/plan/plan-defaults.ts";
import type { Plan } from "../../../reconciler/plan/types.ts";
import { APP_V1, APP_V2, H3_DOWN, bigReplacePlan, host, jobPlan, manyServicesPlan, plan, podRef, samplePlan, servicePlan } from "./plan-fixtures.ts";

const LIMIT = 60_000;
const SUMMARISED = /^> ℹ️ Showing a summary: the full plan is [\d,]+ characters; run `berth show plan\.json` for all of it\.$/m;

describe("formatPlanMarkdown", () => {
  it("prints the sample plan: banners on top, each service and the jobs folded with their table and steps", () => {
    assert.equal(
      formatPlanMarkdown(samplePlan()),
      [
        "<!-- berth-plan -->",
        "",
        "### berth plan for `8c09f93c1397`",
        "",
        `> ⚠️ **Incomplete:** 1 of 3 hosts not observed (h3: ${H3_DOWN}). Slots that may run there are unknown; nothing is done for them.`,
        "",
        "> ⚠️ **Warning:** pods may remain on h3 (unreachable)",
        "",
        "**Plan:** **1** to create, **1** to replace, 0 unchanged, 1 unknown; **1** job to update. **Incomplete:** 1 host not observed.",
        "",
        "Hosts: `h1` ready, `h2` ready, `h3` unreachable",
        "",
        "<details><summary><b>web</b> — 3 replicas: 1 to create, 1 to replace, 1 unknown</summary>",
        "",
        "| slot | host | action | why |",
        "| ---: | --- | --- | --- |",
        "| 0 | h1 | ➕ create | no pod for slot 0 |",
        `| 1 | h2 | 🔄 replace | image ${APP_V1} → ${APP_V2}<br>args changed<br>env LOG_LEVEL changed<br>secret env API_TOKEN added<br>stop-first because host port 8080 is held by the old pod on h2 |`,
        "| 2 | h3 | ❔ unknown | h3 was not observed; its pod for slot 2 may still run there |",
        "",
        "Each new pod runs:",
        "",
        `- image \`${APP_V2}\``,
        "- args `serve --listen :8080`",
        "- env API_TOKEN (secret), LOG_LEVEL",
        "- ports http 8080/tcp on host port 8080",
        "- resources cpu 0.25, memory 64Mi",
        "",
        "**Rollout** (start-first, maxSurge 1, maxUnavailable 0), wave after wave; the tracks of a wave run at the same time (gate: wait until the new pod is ready):",
        "",
        "- wave 1 (pull)",
        `  - \`h1\`: pull \`${APP_V2}\``,
        `  - \`h2\`: pull \`${APP_V2}\``,
        "- wave 2 (repair)",
        "  - slot 0 on `h1`: launch, gate",
        "- wave 3 (replace)",
        "  - slot 1 on `h2`, stop-first (host port 8080 is held by the old pod on h2): stop pod `p-2`, launch, gate",
        "- wave 4 (finish)",
        "  - slot 1 on `h2`: remove pod `p-2`",
        "",
        "</details>",
        "",
        "<details><summary><b>Jobs</b>: 1 to update, 1 unchanged</summary>",
        "",
        "| job | action | changes | schedule | next runs |",
        "| --- | --- | --- | --- | --- |",
        '| backup | 🔄 update | image 127.0.0.1:5000/berth/backup:v1 → 127.0.0.1:5000/berth/backup:v2<br>schedule "0 3 \\* \\* \\*" → "\\*/15 \\* \\* \\* \\*" | `*/15 * * * *` (Europe/Berlin) | 2026-11-22T01:00:00+01:00<br>2026-11-22T01:15:00+01:00<br>2026-11-22T01:30:00+01:00 |',
        "",
        "</details>",
        "",
        "<sub>owner `http://git.example.com/fleet.git`, made 2026-11-22T00:00:00.000Z</sub>",
        "",
      ].join("\n"),
    );
  });

  it("never prints an env value, a secret's source or its value; names the env and the secret", () => {
    process.env["BERTH_SECRET_TEST_API_TOKEN"] = "s3cr3t-token-value";
    try {
      const out = formatPlanMarkdown(samplePlan());
      for (const hidden of ["debug-secret-value", "BERTH_SECRET_TEST_API_TOKEN", "s3cr3t-token-value"]) assert.ok(!out.includes(hidden), `${hidden} is printed`);
      assert.ok(out.includes("\n- env API_TOKEN (secret), LOG_LEVEL\n"));
    } finally {
      delete process.env["BERTH_SECRET_TEST_API_TOKEN"];
    }
  });

  it("leaves a blank line after every </summary> and before every </details>, as GitHub needs to read the Markdown inside", () => {
    for (const p of [samplePlan(), bigReplacePlan(500)]) {
      const out = formatPlanMarkdown(p);
      const opened = out.match(/<\/summary>/g)?.length ?? 0;
      assert.ok(opened > 0);
      assert.equal(out.match(/<\/summary>\n\n(?!\n)/g)?.length, opened);
      assert.equal(out.match(/[^\n]\n\n<\/details>\n/g)?.length, opened);
    }
  });

  it("puts a refusal on top as a warning and never calls the fleet in sync", () => {
    const p = plan({
      services: [servicePlan({ kind: "removed", replicas: 0, pod: undefined, rollout: undefined, changes: [{ action: "remove", slot: 0, host: "h1", from: podRef(), reason: "service deleted from git" }] })],
      refused: { code: "empty-fleet", message: "the commit would remove every pod this owner runs." },
    });
    assert.deepEqual(formatPlanMarkdown(p).split("\n").slice(0, 10), [
      "<!-- berth-plan -->",
      "",
      "### berth plan for `8c09f93c1397`",
      "",
      "> ⚠️ **Refused:** the commit would remove every pod this owner runs. Nothing will be applied (berth apply changes nothing and exits 1).",
      "",
      "**Plan:** **1** to remove, 0 unchanged. **Refused:** nothing will be applied.",
      "",
      "Hosts: `h1` ready, `h2` ready",
      "",
    ]);
    assert.ok(formatPlanMarkdown(p).includes("<details><summary><b><s>web</s></b> (deleted from git): 1 to remove</summary>"));
  });

  it("escapes | and newlines in cells, and Markdown in reasons", () => {
    const p = plan({
      services: [servicePlan({ changes: [{ action: "create", slot: 0, host: "h1", reason: "a | b\nc *d* <e>" }] })],
    });
    assert.ok(formatPlanMarkdown(p).includes("| 0 | h1 | ➕ create | a \\| b<br>c \\*d\\* &lt;e&gt; |\n"));
  });

  it("says in sync when nothing changes, and names the unchanged services", () => {
    const kept = { action: "keep" as const, slot: 0, host: "h1", from: podRef() };
    const p = plan({ services: [servicePlan({ name: "api", replicas: 1, changes: [kept] }), servicePlan({ replicas: 1, changes: [kept] })] });
    assert.equal(
      formatPlanMarkdown(p),
      [
        "<!-- berth-plan -->",
        "",
        "### berth plan for `8c09f93c1397`",
        "",
        "**In sync:** 2 pods unchanged. Nothing to do.",
        "",
        "Hosts: `h1` ready, `h2` ready",
        "",
        "2 services unchanged: `api`, `web`.",
        "",
        "<sub>owner `http://git.example.com/fleet.git`, made 2026-11-22T00:00:00.000Z</sub>",
        "",
      ].join("\n"),
    );
  });

  it("prints a plan saved by an older berth, its waves by their summary, and an unknown slot without a host", () => {
    const fresh = plan({
      services: [
        servicePlan({
          changes: [
            { action: "replace", slot: 0, host: "h1", from: podRef(), reasons: ["spec changed"], order: "start-first" },
            { action: "unknown", slot: 1, reason: "a host that may run slot 1 was not observed" },
          ],
        }),
      ],
    });
    const { jobs: _jobs, warnings: _warnings, ...rest } = fresh;
    const { unknown: _u, jobs: _j, complete: _c, unobserved: _o, ...summary } = fresh.summary;
    const older: SavedPlan = { ...rest, summary, services: fresh.services.map((s) => ({ ...s, waves: [{ index: 1, slots: [0], summary: "replace slot 0 (start-first)" }] })) };
    const out = formatPlanMarkdown(older).split("\n");
    assert.ok(out.includes("| 0 | h1 | 🔄 replace | spec changed<br>start-first |"));
    assert.ok(out.includes("| 1 | — | ❔ unknown | a host that may run slot 1 was not observed |"));
    assert.ok(out.includes("- wave 1: replace slot 0 (start-first)"));
  });

  describe("stays under 60,000 characters for any fleet", () => {
    const cases: { name: string; plan: Plan; summarised: boolean; has?: readonly (string | RegExp)[]; lacks?: readonly (string | RegExp)[] }[] = [
      { name: "a small plan is shown in full", plan: samplePlan(), summarised: false },
      {
        name: "500 replaced replicas of one service: counts per host and action instead of a row per slot",
        plan: bigReplacePlan(500),
        summarised: true,
        has: [
          "| h1 | 🔄 replace | 10 |",
          `Why: env LOG_LEVEL changed (500 slots); image ${APP_V1} → ${APP_V2} (500 slots)`,
          "**Rollout** (start-first, maxSurge 1, maxUnavailable 0): 1 pull wave, 500 replace waves (500 slots start-first), 1 finish wave.",
          "Hosts: 50 ready\n",
        ],
        lacks: [/^\| 0 \| h1 \|/m, "- wave 2 (replace)"],
      },
      {
        name: "5,000 services: one line each, as many as fit, and the rest counted",
        plan: manyServicesPlan(5000),
        summarised: true,
        has: ["- **svc-0000** — 2 replicas: 1 to replace, 1 unchanged", /^- … and \d+ more services with changes$/m],
        lacks: ["<details>"],
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const out = formatPlanMarkdown(c.plan);
        assert.ok(out.length < LIMIT, `${out.length} characters`);
        // A shortened comment keeps the marker too, or the workflow would post a second comment.
        assert.equal(out.slice(0, out.indexOf("\n")), "<!-- berth-plan -->");
        assert.equal(SUMMARISED.test(out), c.summarised);
        for (const s of c.has ?? []) assert.ok(typeof s === "string" ? out.includes(s) : s.test(out), `missing ${s}`);
        for (const s of c.lacks ?? []) assert.ok(typeof s === "string" ? !out.includes(s) : !s.test(out), `has ${s}`);
      });
    }

    it("says how long the full plan was, and names the saved plan as asked", () => {
      const p = bigReplacePlan(500);
      const full = formatPlanMarkdown(p, { maxChars: Number.POSITIVE_INFINITY });
      const out = formatPlanMarkdown(p, { planFile: "artifacts/plan.json" });
      assert.ok(out.includes(`> ℹ️ Showing a summary: the full plan is ${full.length.toLocaleString("en-US")} characters; run \`berth show artifacts/plan.json\` for all of it.`));
    });

    it("shortens the largest services first and keeps the rows of the others", () => {
      const big = bigReplacePlan(60).services[0]!;
      const small = servicePlan({ name: "api", replicas: 1, changes: [{ action: "create", slot: 0, host: "h1", reason: "new service" }] });
      const p = plan({ services: [small, big] });
      const full = formatPlanMarkdown(p, { maxChars: Number.POSITIVE_INFINITY });
      const out = formatPlanMarkdown(p, { maxChars: full.length - 1000 });
      assert.ok(out.length < full.length - 1000);
      assert.ok(out.includes("| 0 | h1 | ➕ create | new service |"), "the small service keeps its rows");
      assert.ok(out.includes("| h1 | 🔄 replace | 2 |"), "the big one is counted");
      assert.ok(!/^\| 0 \| h1 \| 🔄 replace/m.test(out));
    });

    it("counts the hosts of a large fleet and lists those that are not ready", () => {
      const hosts = [...Array.from({ length: 30 }, (_, i) => host(`h${i + 1}`)), host("h31", { state: "drained" }), host("h32", { leftGit: true })];
      const out = formatPlanMarkdown(plan({ hosts, jobs: [jobPlan({ action: "remove", nextRuns: [] })] }));
      assert.ok(out.includes("\nHosts: 30 ready; 1 drained: `h31`; 1 left git: `h32` (ready; its pods are removed)\n"), out);
      assert.ok(out.includes("| backup | ➖ remove |  |  |  |"));
    });
  });
});
