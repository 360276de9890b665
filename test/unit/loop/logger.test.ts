/**
 * The daemon's log lines (reconciler/loop/logger.ts): JSON lines name their
 * level and carry an ISO-8601 UTC time (issue 17: they carried pino's
 * numbers and epoch milliseconds), and pino-pretty, which draws the
 * readable text on a terminal, still reads both.
 */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { prettyFactory } from "pino-pretty";
import { createLogger, PRETTY_OPTIONS } from "../../../reconciler/loop/logger.ts";

/** The lines a logger wrote to `out` so far, parsed. */
function lines(out: PassThrough): Record<string, unknown>[] {
  const text = (out.read() as Buffer | null)?.toString() ?? "";
  return text.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("the daemon's logger", function () {
  it("writes JSON lines with the level's name and an ISO-8601 UTC time", () => {
    const out = new PassThrough();
    const log = createLogger({ level: "debug", destination: out });
    const before = Date.now();
    log.info({ commit: "abc" }, "new commit");
    log.child({ host: "h1" }).warn("h1 cannot be reached");
    log.debug("a detail");
    const [info, warn, debug] = lines(out);
    assert.deepEqual([info!.level, warn!.level, debug!.level], ["info", "warn", "debug"]);
    assert.deepEqual([info!.msg, info!.commit, info!.name, warn!.host], ["new commit", "abc", "berth", "h1"]);
    assert.match(String(info!.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const at = Date.parse(String(info!.time));
    assert.ok(at >= before - 1 && at <= Date.now(), `${String(info!.time)} is now`);
  });

  it("leaves out lines below its level", () => {
    const out = new PassThrough();
    const log = createLogger({ level: "warn", destination: out });
    log.info("not shown");
    log.error("shown");
    assert.deepEqual(lines(out).map((l) => [l.level, l.msg]), [["error", "shown"]]);
  });

  it("is drawn readably by pino-pretty, level and time included", () => {
    const out = new PassThrough();
    createLogger({ destination: out }).error({ service: "web" }, "rollout failed");
    const [entry] = lines(out);
    // The time of day on this machine's clock, to the millisecond.
    const t = new Date(Date.parse(String(entry!.time)));
    const two = (n: number) => String(n).padStart(2, "0");
    const clock = `${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}.${String(t.getMilliseconds()).padStart(3, "0")}`;
    const text = prettyFactory({ ...PRETTY_OPTIONS, colorize: false })(JSON.stringify(entry));
    assert.equal(text, `[${clock}] ERROR (berth): rollout failed\n    service: "web"\n`);
  });
});
