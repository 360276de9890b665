import assert from "node:assert/strict";
import { EventLines, parseEventLine } from "../../../reconciler/docker/event-lines.ts";

const raw = (action: string, over: Record<string, unknown> = {}, attrs: Record<string, string> = {}) =>
  JSON.stringify({ id: "c1", Action: action, time: 1_700_000_000, Actor: { Attributes: { "berth.pod": "p1", "berth.service": "web", ...attrs } }, ...over });

describe("hosts: engine event lines", () => {
  it("maps a die with its exit code, naming pod, service and kind", () => {
    assert.deepEqual(parseEventLine("h1", raw("die", {}, { exitCode: "137" })), { host: "h1", id: "c1", pod: "p1", group: "web", kind: "service", action: "die", exitCode: 137, at: 1_700_000_000_000 });
  });

  it("maps health_status: healthy / unhealthy, and a job's containers as jobs", () => {
    assert.equal(parseEventLine("h1", raw("health_status: unhealthy"))?.action, "unhealthy");
    assert.equal(parseEventLine("h1", raw("health_status: healthy"))?.action, "healthy");
    const job = parseEventLine("h1", JSON.stringify({ id: "c2", Action: "die", time: 1, Actor: { Attributes: { "berth.job": "report" } } }));
    assert.deepEqual({ group: job?.group, kind: job?.kind }, { group: "report", kind: "job" });
  });

  it("skips actions berth does not follow, malformed lines and lines without an id", () => {
    assert.equal(parseEventLine("h1", raw("exec_start: sh")), undefined);
    assert.equal(parseEventLine("h1", "{not json"), undefined);
    assert.equal(parseEventLine("h1", "null"), undefined);
    assert.equal(parseEventLine("h1", JSON.stringify({ Action: "die" })), undefined);
  });

  it("reassembles lines cut across chunks and yields several events of one chunk", () => {
    const lines = new EventLines("h1");
    const a = raw("die");
    const b = raw("destroy");
    assert.deepEqual(lines.push(a.slice(0, 10)), []);
    assert.deepEqual(lines.push(a.slice(10, 30)), []);
    assert.deepEqual(lines.push(`${a.slice(30)}\n${b}\n`).map((e) => e.action), ["die", "destroy"]);
  });

  it("a malformed line between good ones costs only that line", () => {
    const lines = new EventLines("h1");
    assert.deepEqual(lines.push(`${raw("die")}\n{"id": "c9", garbage\n\n${raw("stop")}\n`).map((e) => e.action), ["die", "stop"]);
  });
});
