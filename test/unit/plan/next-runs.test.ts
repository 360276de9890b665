/**
 * `nextRuns`: the times a plan promises a Job runs at, which must be the
 * times the daemon's node-cron runner fires it.
 */
import assert from "node:assert/strict";
import cron from "node-cron";
import { nextRuns } from "../../../reconciler/plan/next-runs.ts";

describe("nextRuns", function () {
  const cases: { name: string; schedule: string; timezone: string; now: string; count?: number; want: string[] }[] = [
    {
      name: "daily at 03:00 in Berlin, from the day before the spring change: 03:00 exists on the change night, now at +02:00",
      schedule: "0 3 * * *",
      timezone: "Europe/Berlin",
      now: "2026-03-28T12:00:00Z",
      want: ["2026-03-29T03:00:00+02:00", "2026-03-30T03:00:00+02:00", "2026-03-31T03:00:00+02:00"],
    },
    {
      name: "daily at 03:00 in Berlin, across the spring change: the offset goes from +01:00 to +02:00",
      schedule: "0 3 * * *",
      timezone: "Europe/Berlin",
      now: "2026-03-27T12:00:00Z",
      want: ["2026-03-28T03:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-30T03:00:00+02:00"],
    },
    {
      // Guards against croner's own DST rule, which runs a time inside the gap right after it (03:00); node-cron skips the day.
      name: "02:30 in Berlin does not exist on 29 March: no run that night",
      schedule: "30 2 * * *",
      timezone: "Europe/Berlin",
      now: "2026-03-28T12:00:00Z",
      want: ["2026-03-30T02:30:00+02:00", "2026-03-31T02:30:00+02:00", "2026-04-01T02:30:00+02:00"],
    },
    {
      // Guards against croner's own DST rule, which picks the first 02:30 (+02:00); node-cron fires the second.
      name: "02:30 in Berlin occurs twice on 25 October: one run, at the second (+01:00)",
      schedule: "30 2 * * *",
      timezone: "Europe/Berlin",
      now: "2026-10-24T12:00:00Z",
      want: ["2026-10-25T02:30:00+01:00", "2026-10-26T02:30:00+01:00", "2026-10-27T02:30:00+01:00"],
    },
    {
      // Guards against croner's own DST rule, which runs interval schedules on both occurrences of the repeated hour.
      name: "every 30 minutes from 01:00 to 03:59 in Berlin on the autumn change: the repeated hour runs once",
      schedule: "*/30 1-3 * * *",
      timezone: "Europe/Berlin",
      now: "2026-10-24T22:45:00Z",
      count: 5,
      want: ["2026-10-25T01:00:00+02:00", "2026-10-25T01:30:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00", "2026-10-25T03:00:00+01:00"],
    },
    {
      name: "every 15 minutes in UTC",
      schedule: "*/15 * * * *",
      timezone: "UTC",
      now: "2026-11-22T10:07:30Z",
      want: ["2026-11-22T10:15:00Z", "2026-11-22T10:30:00Z", "2026-11-22T10:45:00Z"],
    },
    {
      name: "a run exactly at now is not after it",
      schedule: "*/15 * * * *",
      timezone: "UTC",
      now: "2026-11-22T10:15:00Z",
      want: ["2026-11-22T10:30:00Z", "2026-11-22T10:45:00Z", "2026-11-22T11:00:00Z"],
    },
    {
      name: "six fields: every 20 seconds",
      schedule: "*/20 * * * * *",
      timezone: "UTC",
      now: "2026-11-22T10:00:00Z",
      want: ["2026-11-22T10:00:20Z", "2026-11-22T10:00:40Z", "2026-11-22T10:01:00Z"],
    },
    {
      name: "six fields, a millisecond before a run: that run is next",
      schedule: "*/20 * * * * *",
      timezone: "UTC",
      now: "2026-11-22T10:00:19.999Z",
      want: ["2026-11-22T10:00:20Z", "2026-11-22T10:00:40Z", "2026-11-22T10:01:00Z"],
    },
    {
      // Guards against croner's default (OR, like Vixie cron), which would run on every Friday and every 13th; node-cron 4 ANDs them.
      name: "day of month and day of week both given: only Friday the 13th",
      schedule: "0 9 13 * 5",
      timezone: "UTC",
      now: "2026-01-01T00:00:00Z",
      want: ["2026-02-13T09:00:00Z", "2026-03-13T09:00:00Z", "2026-11-13T09:00:00Z"],
    },
    {
      // Guards against croner refusing what the loader accepted: croner reads no wrap-around range.
      name: "a wrap-around hour range 22-2, as node-cron reads it",
      schedule: "0 22-2 * * *",
      timezone: "UTC",
      now: "2026-11-22T12:00:00Z",
      count: 5,
      want: ["2026-11-22T22:00:00Z", "2026-11-22T23:00:00Z", "2026-11-23T00:00:00Z", "2026-11-23T01:00:00Z", "2026-11-23T02:00:00Z"],
    },
    {
      // Guards against croner refusing what the loader accepted: croner reads no L-n.
      name: "L-3: three days before the last day of each month",
      schedule: "0 0 L-3 * *",
      timezone: "UTC",
      now: "2026-01-01T00:00:00Z",
      want: ["2026-01-28T00:00:00Z", "2026-02-25T00:00:00Z", "2026-03-28T00:00:00Z"],
    },
    {
      name: "day names and a half-hour offset",
      schedule: "0 9 * * mon-fri",
      timezone: "Asia/Kolkata",
      now: "2026-11-20T12:00:00Z",
      want: ["2026-11-23T09:00:00+05:30", "2026-11-24T09:00:00+05:30", "2026-11-25T09:00:00+05:30"],
    },
    {
      name: "a nickname, west of UTC",
      schedule: "@daily",
      timezone: "America/New_York",
      now: "2026-11-22T12:00:00Z",
      want: ["2026-11-23T00:00:00-05:00", "2026-11-24T00:00:00-05:00", "2026-11-25T00:00:00-05:00"],
    },
    {
      name: "7 is Sunday",
      schedule: "0 9 * * 7",
      timezone: "UTC",
      now: "2026-11-22T12:00:00Z",
      want: ["2026-11-29T09:00:00Z", "2026-12-06T09:00:00Z", "2026-12-13T09:00:00Z"],
    },
    {
      name: "a schedule that never comes (L-30 in February) has no next runs",
      schedule: "0 0 L-30 2 *",
      timezone: "UTC",
      now: "2026-11-22T12:00:00Z",
      want: [],
    },
    {
      name: "count 0 asks for nothing",
      schedule: "* * * * *",
      timezone: "UTC",
      now: "2026-11-22T12:00:00Z",
      count: 0,
      want: [],
    },
  ];
  for (const c of cases) {
    it(c.name, function () {
      assert.deepEqual(nextRuns(c.schedule, c.timezone, Date.parse(c.now), c.count), c.want);
    });
  }

  it("refuses an expression node-cron refuses, quoting it", function () {
    assert.throws(() => nextRuns("0 0 31 2 *", "UTC", 0), /31 2/);
  });

  // node-cron is the runner; its matcher is the truth the plan must agree with.
  // Its walk is not public API, so the test reaches the task's matcher; a
  // node-cron upgrade that moves it fails here, which is the moment to look again.
  describe("agrees with node-cron's own next-match walk", function () {
    const schedules = ["0 3 * * *", "30 2 * * *", "*/15 * * * *", "0 */2 * * *", "*/20 * * * * *", "0 9 13 * 5", "0 22-2 * * *", "0 0 L-3 * *", "0 0 LW * *", "0 0 * * 5L", "0 0 * * 1#2", "0 12 * jan,jul sun"];
    const zones = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"];
    // Around the 2026 changes in Europe, the US and Lord Howe (half-hour DST), and in the repeated hours themselves.
    const starts = ["2026-03-28T12:00:00Z", "2026-04-04T14:30:00Z", "2026-10-03T14:00:00Z", "2026-10-25T00:30:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z"];
    for (const schedule of schedules) {
      it(JSON.stringify(schedule), function () {
        for (const timezone of zones) {
          const task = cron.createTask(schedule, () => undefined, { timezone });
          try {
            const matcher = (task as unknown as { timeMatcher: { getNextMatch(d: Date): Date } }).timeMatcher;
            for (const start of starts) {
              const want: string[] = [];
              for (let d = new Date(start), i = 0; i < 12; i++) want.push((d = matcher.getNextMatch(d)).toISOString());
              const got = nextRuns(schedule, timezone, Date.parse(start), 12).map((t) => new Date(t).toISOString());
              assert.deepEqual(got, want, `${schedule} in ${timezone} from ${start}`);
            }
          } finally {
            void task.destroy();
          }
        }
      });
    }
  });
});
