/**
 * When a Job runs next, for the plan: the times the daemon's cron runner
 * (node-cron, reconciler/loop/jobs.ts) will fire it. node-cron has no pure
 * "next runs after T" call, so croner enumerates the matching times; both
 * the reading of the expression and the time-zone arithmetic are made to
 * agree with node-cron, because a plan that promises a run the daemon skips
 * is worse than none. test/unit/plan/next-runs.test.ts checks the agreement
 * against node-cron's own matcher.
 *
 * How they are made to agree:
 * - The expression is read by node-cron's own `parse` (what the loader
 *   validated with), which resolves nicknames, month and day names,
 *   wrap-around ranges (`22-2`) and 7 as Sunday into plain lists. croner only
 *   sees those lists, so no syntax is read two ways.
 * - Day of month and day of week are ANDed (croner `domAndDow: true`):
 *   node-cron 4 requires both to match, unlike Vixie cron and croner's
 *   default (OR, croner's deprecated `legacyMode`).
 * - `L-n` (n days before the last day), which croner cannot read, is
 *   matched here.
 * - croner walks wall-clock times in UTC, where no clock jumps; each one is
 *   then turned into an instant the way node-cron does it. So a time inside
 *   a DST gap is skipped (croner would run it after the gap), and a time
 *   that occurs twice runs once (croner runs interval schedules twice).
 */
import { Cron } from "croner";
import cron from "node-cron";

/** Local wall-clock time of `instant` in `timezone`, as milliseconds of a UTC date with the same fields. */
function wallOf(instant: number, timezone: string): number {
  const parts = formatterOf(timezone).formatToParts(new Date(instant));
  const n = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(n("year"), n("month") - 1, n("day"), n("hour") % 24, n("minute"), n("second"));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timezone, f);
  }
  return f;
}

/**
 * The instant node-cron fires a wall-clock time at (its `localTimeToTimestamp`):
 * the offset at the time read as UTC, corrected once. For a time that does
 * not exist the result reads back as another time, which the caller rejects.
 */
function instantOf(wall: number, timezone: string): number {
  const offsetAt = (instant: number) => wallOf(instant, timezone) - instant;
  const firstOffset = offsetAt(wall);
  const first = wall - firstOffset;
  const secondOffset = offsetAt(first);
  if (secondOffset === firstOffset) return first;
  const second = wall - secondOffset;
  if (wallOf(first, timezone) === wall) return first;
  if (wallOf(second, timezone) === wall) return second;
  return Math.max(first, second);
}

/** ISO 8601 with the zone's offset, e.g. `2026-03-29T03:00:00+02:00`; `Z` when the offset is zero. */
function isoIn(instant: number, timezone: string): string {
  const offsetMinutes = Math.round((wallOf(instant, timezone) - instant) / 60_000);
  const local = new Date(instant + offsetMinutes * 60_000).toISOString().slice(0, 19);
  if (offsetMinutes === 0) return `${local}Z`;
  const abs = Math.abs(offsetMinutes);
  const pad = (x: number) => String(x).padStart(2, "0");
  return `${local}${offsetMinutes < 0 ? "-" : "+"}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** How far ahead a run is looked for: node-cron's own search range (100 years). */
const HORIZON_MS = 366 * 100 * 86_400_000;

const DAY_BEFORE_LAST = /^L-(\d{1,2})$/;

/** Which wall-clock times (as UTC dates) the expression matches, read as node-cron reads it. */
function wallMatcher(schedule: string): { next(after: number): number | undefined; matches(wall: number): boolean } {
  const f = cron.parse(schedule);
  const days = f.dayOfMonth.map(String);
  const beforeLast = days.flatMap((d) => {
    const m = DAY_BEFORE_LAST.exec(d);
    return m ? [Number(m[1])] : [];
  });
  const others = days.filter((d) => !DAY_BEFORE_LAST.test(d));
  const pattern = (dayOfMonth: string) => [f.second.join(","), f.minute.join(","), f.hour.join(","), dayOfMonth, f.month.join(","), f.dayOfWeek.join(",")].join(" ");
  const options = { timezone: "UTC", mode: "6-part", domAndDow: true } as const;
  if (beforeLast.length === 0) {
    const c = new Cron(pattern(others.join(",")), options);
    return {
      next: (after) => {
        const t = c.nextRun(new Date(after))?.getTime();
        return t !== undefined && t <= after + HORIZON_MS ? t : undefined;
      },
      matches: (wall) => c.match(new Date(wall)),
    };
  }
  // Every day that the other fields allow, kept when an `L-n` names it or
  // croner matches it with the field's other tokens.
  const anyDay = new Cron(pattern("*"), options);
  const rest = others.length > 0 ? new Cron(pattern(others.join(",")), options) : undefined;
  const matches = (wall: number): boolean => {
    if (!anyDay.match(new Date(wall))) return false;
    const d = new Date(wall);
    const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    return beforeLast.some((n) => d.getUTCDate() === last - n) || (rest?.match(d) ?? false);
  };
  return {
    matches,
    next: (after) => {
      for (let t = anyDay.nextRun(new Date(after)); t && t.getTime() <= after + HORIZON_MS; ) {
        if (matches(t.getTime())) return t.getTime();
        // The day decides: skip to the next one rather than try each of its times.
        t = anyDay.nextRun(new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() + 1) - 1000));
      }
      return undefined;
    },
  };
}

/**
 * The next `count` times a job with this schedule runs strictly after `now`,
 * as the daemon's node-cron runner fires it in `timezone`, as ISO strings
 * with the zone's offset. Pure. Throws for an expression node-cron rejects
 * (the loader refuses those first).
 *
 * @example
 * nextRuns("0 3 * * *", "Europe/Berlin", Date.parse("2026-03-28T12:00:00Z"))
 * // ["2026-03-29T03:00:00+02:00", "2026-03-30T03:00:00+02:00", "2026-03-31T03:00:00+02:00"]
 */
export function nextRuns(schedule: string, timezone: string, now: number, count = 3): string[] {
  const walls = wallMatcher(schedule);
  const out: string[] = [];
  // node-cron works in whole seconds: a run in the same second as `now` is not after it.
  let base = Math.floor(now / 1000) * 1000;
  let cursor = wallOf(base, timezone);
  while (out.length < count) {
    const wall = walls.next(cursor);
    if (wall === undefined) break;
    cursor = wall;
    const at = instantOf(wall, timezone);
    // Not after `base`: a time that occurs twice, which node-cron places at an
    // occurrence already past. Not matching: a time in a DST gap reads back as
    // another time, and node-cron fires it only if that one matches too.
    if (at <= base || !walls.matches(wallOf(at, timezone))) continue;
    out.push(isoIn(at, timezone));
    base = at;
    cursor = wallOf(at, timezone);
  }
  return out;
}
