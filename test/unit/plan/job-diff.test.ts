import assert from "node:assert/strict";
import { LABEL } from "../../../reconciler/docker/labels.ts";
import type { JobRecord } from "../../../reconciler/model/deployed.ts";
import type { JobSpec } from "../../../reconciler/model/fleet.ts";
import { diffJobs, REDACTED, type JobDiffInput } from "../../../reconciler/plan/job-diff.ts";
import type { JobPlan } from "../../../reconciler/plan/types.ts";
import { container, job, jobPod, jobRun } from "./mock.ts";

const NOW = Date.parse("2026-11-22T12:00:00Z");
const AT_3 = ["2026-11-23T03:00:00Z", "2026-11-24T03:00:00Z", "2026-11-25T03:00:00Z"];
const v1 = jobPod();
const v2 = jobPod({ specHash: "job-v2", containers: [container({ image: "127.0.0.1:5000/berth/app:v2" })] });

/** What the record keeps of a job, as reconciler/record/next-record.ts writes it. */
const recorded = (j: JobSpec): JobRecord => ({
  name: j.name,
  pod: j.pod,
  timezone: j.timezone,
  concurrency: j.concurrency,
  ...(j.schedule !== undefined ? { schedule: j.schedule } : {}),
  ...(j.timeoutMs !== undefined ? { timeoutMs: j.timeoutMs } : {}),
});

const run = (input: Partial<JobDiffInput>) => diffJobs({ desired: [], runs: [], now: NOW, ...input });
const withoutPods = (plans: readonly JobPlan[]) => plans.map(({ pod: _pod, ...rest }) => rest);

describe("diffJobs", function () {
  const cases: { name: string; in: Partial<JobDiffInput>; want: Omit<JobPlan, "pod">[] }[] = [
    {
      name: "a job with no record and no run is created, with its next three runs",
      in: { desired: [job()] },
      want: [{ name: "backup", action: "create", changes: [], schedule: "0 3 * * *", timezone: "UTC", nextRuns: AT_3 }],
    },
    {
      name: "a job the record has, unchanged, is kept",
      in: { desired: [job()], record: [recorded(job())] },
      want: [{ name: "backup", action: "keep", changes: [], schedule: "0 3 * * *", timezone: "UTC", nextRuns: AT_3, previousFrom: "record" }],
    },
    {
      name: "against the record, every changed field is listed: pod first, then schedule, time zone, concurrency, timeout",
      in: {
        desired: [job({ pod: v2, schedule: "*/15 * * * *", timezone: "Europe/Berlin", concurrency: "replace" })],
        record: [recorded(job({ timeoutMs: 600_000 }))],
      },
      want: [
        {
          name: "backup",
          action: "update",
          changes: [
            "image 127.0.0.1:5000/berth/app:v1 → 127.0.0.1:5000/berth/app:v2",
            'schedule "0 3 * * *" → "*/15 * * * *"',
            "timezone UTC → Europe/Berlin",
            "concurrency forbid → replace",
            "timeout 10m → none",
          ],
          schedule: "*/15 * * * *",
          timezone: "Europe/Berlin",
          nextRuns: ["2026-11-22T13:15:00+01:00", "2026-11-22T13:30:00+01:00", "2026-11-22T13:45:00+01:00"],
          previousFrom: "record",
        },
      ],
    },
    {
      name: "a timeout that appears is written as a user writes it",
      in: { desired: [job({ timeoutMs: 5_400_500 })], record: [recorded(job())] },
      want: [{ name: "backup", action: "update", changes: ["timeout none → 1h30m500ms"], schedule: "0 3 * * *", timezone: "UTC", nextRuns: AT_3, previousFrom: "record" }],
    },
    {
      name: "a job that becomes on demand has no schedule and no next runs",
      in: { desired: [job({ schedule: undefined })], record: [recorded(job())] },
      want: [{ name: "backup", action: "update", changes: ['schedule "0 3 * * *" → on demand'], nextRuns: [], previousFrom: "record" }],
    },
    {
      name: "a record without the job makes it new, whatever runs are seen",
      in: { desired: [job({ pod: v2 })], record: [], runs: [jobRun(v1, NOW - 60_000)] },
      want: [{ name: "backup", action: "create", changes: [], schedule: "0 3 * * *", timezone: "UTC", nextRuns: AT_3 }],
    },
    {
      name: "a job in the record that git no longer declares is removed",
      in: { desired: [], record: [recorded(job())] },
      want: [{ name: "backup", action: "remove", changes: [], nextRuns: [], previousFrom: "record" }],
    },
    {
      name: "without a record, the newest run's pod is the previous version",
      in: { desired: [job({ pod: v2 })], runs: [jobRun(v2, NOW - 7_200_000, { specHash: "job-v0" }), jobRun(v1, NOW - 3_600_000)] },
      want: [
        { name: "backup", action: "update", changes: ["image 127.0.0.1:5000/berth/app:v1 → 127.0.0.1:5000/berth/app:v2"], schedule: "0 3 * * *", timezone: "UTC", nextRuns: AT_3, previousFrom: "run" },
      ],
    },
    {
      name: "without a record, only the pod is compared: a run cannot tell the schedule it ran on",
      in: { desired: [job({ schedule: "*/15 * * * *", concurrency: "allow", timeoutMs: 60_000 })], runs: [jobRun(v1, NOW - 60_000)] },
      want: [
        {
          name: "backup",
          action: "keep",
          changes: [],
          schedule: "*/15 * * * *",
          timezone: "UTC",
          nextRuns: ["2026-11-22T12:15:00Z", "2026-11-22T12:30:00Z", "2026-11-22T12:45:00Z"],
          previousFrom: "run",
        },
      ],
    },
    {
      name: "a run whose recorded spec cannot be read still tells its spec hash",
      in: { desired: [job({ pod: v2 })], runs: [jobRun(v1, NOW - 60_000, { labels: { [LABEL.spec]: "{not json" } })] },
      want: [{ name: "backup", action: "update", changes: ["spec changed"], schedule: "0 3 * * *", timezone: "UTC", nextRuns: AT_3, previousFrom: "run" }],
    },
    {
      name: "without a record, a job seen only as runs is removed",
      in: { desired: [], runs: [jobRun(jobPod({ name: "report" }), NOW - 60_000)] },
      want: [{ name: "report", action: "remove", changes: [], nextRuns: [], previousFrom: "run" }],
    },
    {
      name: "service containers and a run's other containers are not job runs",
      in: {
        desired: [],
        runs: [jobRun(jobPod({ name: "web" }), NOW, { kind: "service" }), jobRun(jobPod({ name: "report" }), NOW, { container: "log-shipper" })],
      },
      want: [],
    },
    {
      name: "plans are sorted by name, removed jobs among the others",
      in: { desired: [job({ name: "zeta" }), job({ name: "alpha" })], record: [recorded(job({ name: "mid" }))] },
      want: [
        { name: "alpha", action: "create", changes: [], schedule: "0 3 * * *", timezone: "UTC", nextRuns: AT_3 },
        { name: "mid", action: "remove", changes: [], nextRuns: [], previousFrom: "record" },
        { name: "zeta", action: "create", changes: [], schedule: "0 3 * * *", timezone: "UTC", nextRuns: AT_3 },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, function () {
      const plans = run(c.in);
      assert.deepEqual(withoutPods(plans), c.want);
      const desired = new Map((c.in.desired ?? []).map((j) => [j.name, j]));
      for (const p of plans) assert.equal(p.pod?.specHash, desired.get(p.name)?.pod.specHash, `${p.name}: the plan shows the desired pod, none for a removed job`);
    });
  }

  describe("env values and secret references", function () {
    const PLAIN = "plain-value-4f1e9b";
    const OLD_PLAIN = "old-value-77a0c2";
    const SOURCE = "PROD_TOKEN_SOURCE_9d3";
    const OLD_SOURCE = "/etc/berth/old-token-5b8";
    const desired = job({
      pod: jobPod({
        specHash: "job-secret-v2",
        containers: [container({ env: { DB_HOST: PLAIN, LOG_LEVEL: "info" }, secretEnv: [{ name: "API_TOKEN", fromEnv: SOURCE }] })],
      }),
    });
    const previous = jobPod({ containers: [container({ env: { DB_HOST: OLD_PLAIN, LOG_LEVEL: "info" }, secretEnv: [{ name: "API_TOKEN", fromFile: OLD_SOURCE }] })] });

    for (const [from, input] of [
      ["record", { desired: [desired], record: [recorded(job({ pod: previous }))] }],
      ["run", { desired: [desired], runs: [jobRun(previous, NOW - 60_000)] }],
    ] as const) {
      it(`are never in the plan, old or new, with the previous version from the ${from}; their names are`, function () {
        const plans = run(input);
        assert.deepEqual(plans[0]?.changes, ["env DB_HOST changed", "secret env API_TOKEN changed"]);
        const text = JSON.stringify(plans);
        for (const secret of [PLAIN, OLD_PLAIN, SOURCE, OLD_SOURCE]) assert.ok(!text.includes(secret), `${secret} is in the plan: ${text}`);
        for (const name of ["DB_HOST", "LOG_LEVEL", "API_TOKEN"]) assert.ok(text.includes(name), `${name} is not in the plan`);
        assert.deepEqual(plans[0]?.pod?.containers[0]?.env, { DB_HOST: REDACTED, LOG_LEVEL: REDACTED });
        assert.deepEqual(plans[0]?.pod?.containers[0]?.secretEnv, [{ name: "API_TOKEN", fromEnv: REDACTED }]);
      });
    }
  });
});
