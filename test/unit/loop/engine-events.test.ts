import assert from "node:assert/strict";
import pino from "pino";
import type { DockerHost, EngineEvent } from "../../../reconciler/docker/types.ts";
import { EngineEvents } from "../../../reconciler/loop/engine-events.ts";

/** A host whose event stream the test drives: `emit` an event, `end` the stream, or refuse to open it. */
class StreamHost {
  subscriptions = 0;
  closed = 0;
  refuse = false;
  private emitFn: ((e: EngineEvent) => void) | undefined;
  private endFn: ((err?: Error) => void) | undefined;
  constructor(readonly name: string) {}

  events(_owner: string, onEvent: (e: EngineEvent) => void, onEnd: (err?: Error) => void): { close(): void } {
    this.subscriptions++;
    if (this.refuse) {
      onEnd(new Error("connect ECONNREFUSED"));
      return { close: () => undefined };
    }
    this.emitFn = onEvent;
    this.endFn = onEnd;
    return { close: () => void this.closed++ };
  }
  emit(action: EngineEvent["action"], over: Partial<EngineEvent> = {}): void {
    this.emitFn!({ host: this.name, id: "c1", pod: "p1", group: "web", kind: "service", action, at: 0, ...over });
  }
  end(): void {
    this.endFn!(new Error("stream closed: engine restarting"));
  }
  asHost(): DockerHost {
    return this as unknown as DockerHost;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TIMING = { debounceMs: 20, resubscribeMs: 30, resubscribeMaxMs: 100 };

describe("EngineEvents (the daemon's self-healing trigger)", function () {
  let drifts: EngineEvent[];
  let resubscribed: string[];
  let events: EngineEvents;
  const make = (timing = TIMING) => new EngineEvents("o", { drift: (e) => drifts.push(e), resubscribed: (h) => resubscribed.push(h) }, pino({ level: "silent" }), timing);

  beforeEach(function () {
    drifts = [];
    resubscribed = [];
    events = make();
  });
  afterEach(function () {
    events.close();
  });

  it("asks for one reconcile per burst of drift, after the burst", async function () {
    const h1 = new StreamHost("h1");
    events.follow(new Map([["h1", h1.asHost()]]));
    h1.emit("die", { exitCode: 137 });
    h1.emit("stop");
    h1.emit("destroy");
    assert.equal(drifts.length, 0, "debounced");
    await sleep(120);
    assert.deepEqual(drifts.map((e) => e.action), ["destroy"]);
  });

  it("ignores what is not drift: starts, healthy transitions and job runs ending", async function () {
    const h1 = new StreamHost("h1");
    events.follow(new Map([["h1", h1.asHost()]]));
    h1.emit("start");
    h1.emit("healthy");
    h1.emit("die", { kind: "job", exitCode: 0 });
    await sleep(120);
    assert.equal(drifts.length, 0);
    h1.emit("unhealthy");
    await sleep(120);
    assert.deepEqual(drifts.map((e) => e.action), ["unhealthy"]);
  });

  it("drops the events berth caused itself before debouncing, so a real drift in the same burst still counts", async function () {
    events.close();
    events = new EngineEvents("o", { drift: (e) => drifts.push(e), resubscribed: () => undefined, ours: (e) => e.pod === "mine" }, pino({ level: "silent" }), TIMING);
    const h1 = new StreamHost("h1");
    events.follow(new Map([["h1", h1.asHost()]]));
    h1.emit("die", { pod: "theirs" });
    h1.emit("stop", { pod: "mine" });
    h1.emit("destroy", { pod: "mine" });
    await sleep(120);
    assert.deepEqual(drifts.map((e) => [e.pod, e.action]), [["theirs", "die"]]);
    h1.emit("destroy", { pod: "mine" });
    await sleep(120);
    assert.equal(drifts.length, 1, "berth's own removal alone is no drift");
  });

  it("re-subscribes after an engine restart, then resyncs what it missed", async function () {
    const h1 = new StreamHost("h1");
    events.follow(new Map([["h1", h1.asHost()]]));
    h1.end();
    assert.equal(h1.subscriptions, 1);
    await sleep(120);
    assert.equal(h1.subscriptions, 2, "followed again after the first backoff");
    assert.deepEqual(resubscribed, ["h1"]);
    h1.emit("die");
    await sleep(120);
    assert.equal(drifts.length, 1, "events of the new stream arrive");
  });

  it("backs off while the engine refuses, doubling up to the cap, and resyncs once it answers", async function () {
    events.close();
    events = make({ debounceMs: 20, resubscribeMs: 50, resubscribeMaxMs: 200 });
    const h1 = new StreamHost("h1");
    h1.refuse = true;
    events.follow(new Map([["h1", h1.asHost()]]));
    // Attempts at 0, 50, 150 (50+100), 350 (150+200, the cap) ms.
    await sleep(250);
    assert.equal(h1.subscriptions, 3);
    assert.deepEqual(resubscribed, []);
    h1.refuse = false;
    await sleep(200);
    assert.equal(h1.subscriptions, 4);
    assert.deepEqual(resubscribed, ["h1"]);
  });

  it("follows exactly the hosts it is given: a removed host's stream is closed and its retry cancelled", async function () {
    const h1 = new StreamHost("h1");
    const h2 = new StreamHost("h2");
    h2.refuse = true;
    events.follow(new Map([["h1", h1.asHost()], ["h2", h2.asHost()]]));
    events.follow(new Map([["h1", h1.asHost()], ["h2", h2.asHost()]]));
    assert.deepEqual([h1.subscriptions, h2.subscriptions], [1, 1], "following again does not subscribe twice, nor jump a pending retry");
    events.follow(new Map());
    assert.equal(h1.closed, 1);
    await sleep(120);
    assert.equal(h2.subscriptions, 1, "no retry for a host no longer followed");
  });

  it("close stops everything: no reconcile for a burst in flight, no re-subscription", async function () {
    const h1 = new StreamHost("h1");
    events.follow(new Map([["h1", h1.asHost()]]));
    h1.emit("die");
    h1.end();
    events.close();
    await sleep(120);
    assert.deepEqual(drifts, []);
    assert.equal(h1.subscriptions, 1);
  });
});
