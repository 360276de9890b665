/**
 * The daemon's self-healing trigger on fake time: the debounce and the
 * re-subscribe backoff are asserted to the millisecond, and nothing sleeps.
 */
import assert from "node:assert/strict";
import pino from "pino";
import type { DockerHost, EngineEvent } from "../../../reconciler/docker/types.ts";
import { EngineEvents, type EngineEventsTiming } from "../../../reconciler/loop/engine-events.ts";
import { FakeTimers } from "../../support/fake-timers.ts";

const T0 = Date.UTC(2026, 0, 1);

/** A host whose event stream the test drives: `emit` an event, `end` the stream, or refuse to open it. */
class StreamHost {
  /** When each subscription was asked for, in ms since T0. */
  readonly subscribedAt: number[] = [];
  closed = 0;
  refuse = false;
  private emitFn: ((e: EngineEvent) => void) | undefined;
  private endFn: ((err?: Error) => void) | undefined;
  constructor(
    readonly name: string,
    private readonly timers: FakeTimers,
  ) {}

  /** Refuses a moment after accepting, as dockerode does for an engine that is down (the request fails asynchronously). */
  refuseLater = false;

  events(_owner: string, onEvent: (e: EngineEvent) => void, onEnd: (err?: Error) => void, onOpen?: () => void): { close(): void } {
    this.subscribedAt.push(this.timers.now() - T0);
    if (this.refuse) {
      onEnd(new Error("connect ECONNREFUSED"));
      return { close: () => undefined };
    }
    if (this.refuseLater) {
      this.timers.after(5, () => onEnd(new Error("connect ENOENT")));
      return { close: () => undefined };
    }
    this.emitFn = onEvent;
    this.endFn = onEnd;
    onOpen?.();
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

const TIMING: EngineEventsTiming = { debounceMs: 300, resubscribeMs: 1_000, resubscribeMaxMs: 8_000 };

describe("EngineEvents (the daemon's self-healing trigger, on fake time)", function () {
  let timers: FakeTimers;
  let drifts: { at: number; action: string; pod: string | undefined }[];
  let resubscribed: { at: number; host: string }[];
  let events: EngineEvents;
  const make = (ours?: (e: EngineEvent) => boolean) =>
    new EngineEvents(
      "o",
      {
        drift: (e) => drifts.push({ at: timers.now() - T0, action: e.action, pod: e.pod }),
        resubscribed: (host) => resubscribed.push({ at: timers.now() - T0, host }),
        ...(ours ? { ours } : {}),
      },
      pino({ level: "silent" }),
      { timing: TIMING, timers },
    );
  const follow = (...hosts: StreamHost[]) => events.follow(new Map(hosts.map((h) => [h.name, h.asHost()])));

  beforeEach(function () {
    timers = new FakeTimers(T0);
    drifts = [];
    resubscribed = [];
    events = make();
  });
  afterEach(function () {
    events.close();
  });

  describe("debounce", function () {
    it("asks for one reconcile per burst, once the burst has been quiet for the debounce time", async function () {
      const h1 = new StreamHost("h1", timers);
      follow(h1);
      h1.emit("die", { exitCode: 137 });
      await timers.advance(200);
      h1.emit("stop");
      // 300 ms after the first event: the second restarted the wait.
      await timers.advance(200);
      h1.emit("destroy");
      await timers.advance(299);
      assert.deepEqual(drifts, [], "nothing 1 ms before the quiet time is up");
      await timers.advance(1);
      assert.deepEqual(drifts, [{ at: 700, action: "destroy", pod: "p1" }], "the last event of the burst, 300 ms after it");
      await timers.advance(60_000);
      assert.equal(drifts.length, 1, "one reconcile for the burst");
    });

    const ignored: { name: string; action: EngineEvent["action"]; over?: Partial<EngineEvent> }[] = [
      { name: "a container starting", action: "start" },
      { name: "a healthy transition", action: "healthy" },
      { name: "a job run ending", action: "die", over: { kind: "job", exitCode: 0 } },
    ];
    for (const c of ignored) {
      it(`ignores ${c.name}: no reconcile, nothing waiting`, async function () {
        const h1 = new StreamHost("h1", timers);
        follow(h1);
        h1.emit(c.action, c.over);
        assert.equal(timers.waiting, 0, "no debounce started");
        await timers.advance(60_000);
        assert.deepEqual(drifts, []);
      });
    }

    it("counts an unhealthy transition as drift", async function () {
      const h1 = new StreamHost("h1", timers);
      follow(h1);
      h1.emit("unhealthy");
      await timers.advance(300);
      assert.deepEqual(drifts, [{ at: 300, action: "unhealthy", pod: "p1" }]);
    });

    it("drops the events berth caused itself before debouncing: they neither count nor delay a real drift", async function () {
      events.close();
      events = make((e) => e.pod === "mine");
      const h1 = new StreamHost("h1", timers);
      follow(h1);
      h1.emit("die", { pod: "theirs" });
      await timers.advance(200);
      h1.emit("stop", { pod: "mine" });
      h1.emit("destroy", { pod: "mine" });
      await timers.advance(100);
      assert.deepEqual(drifts, [{ at: 300, action: "die", pod: "theirs" }], "at 300 ms after the real drift, not pushed back by berth's own events");
      h1.emit("destroy", { pod: "mine" });
      assert.equal(timers.waiting, 0, "berth's own removal alone starts no debounce");
      await timers.advance(60_000);
      assert.equal(drifts.length, 1);
    });
  });

  describe("re-subscribing", function () {
    it("follows an ended stream again after the first backoff, then resyncs what it missed", async function () {
      const h1 = new StreamHost("h1", timers);
      follow(h1);
      h1.end();
      await timers.advance(999);
      assert.deepEqual(h1.subscribedAt, [0], "not before the backoff");
      await timers.advance(1);
      assert.deepEqual(h1.subscribedAt, [0, 1_000]);
      assert.deepEqual(resubscribed, [{ at: 1_000, host: "h1" }]);
      h1.emit("die");
      await timers.advance(300);
      assert.deepEqual(drifts, [{ at: 1_300, action: "die", pod: "p1" }], "events of the new stream arrive");
    });

    it("backs off while the engine refuses, doubling up to the cap, and resyncs once it answers", async function () {
      const h1 = new StreamHost("h1", timers);
      h1.refuse = true;
      follow(h1);
      await timers.advance(23_000);
      // Waits of 1, 2, 4, then 8 (the cap), 8 s.
      assert.deepEqual(h1.subscribedAt, [0, 1_000, 3_000, 7_000, 15_000, 23_000]);
      assert.deepEqual(resubscribed, [], "no resync while nothing is followed");
      h1.refuse = false;
      await timers.advance(7_999);
      assert.equal(h1.subscribedAt.length, 6, "still capped at 8 s");
      await timers.advance(1);
      assert.deepEqual(h1.subscribedAt.at(-1), 31_000);
      assert.deepEqual(resubscribed, [{ at: 31_000, host: "h1" }]);
      assert.equal(timers.waiting, 0, "no retry pending once followed");
    });

    // Guards the bug where every retry against an engine still down asked for a resync: the request is refused only after it was made.
    it("asks for no resync while the engine refuses a moment after each request; once it accepts, one", async function () {
      const h1 = new StreamHost("h1", timers);
      h1.refuseLater = true;
      follow(h1);
      await timers.advance(10_000);
      assert.ok(h1.subscribedAt.length >= 3, `retried: ${h1.subscribedAt.join(",")}`);
      assert.deepEqual(resubscribed, [], "no resync for a stream the engine then refused");
      h1.refuseLater = false;
      await timers.advance(8_000);
      assert.equal(resubscribed.length, 1);
    });

    it("starts the backoff afresh after a stream that worked (delivered an event)", async function () {
      const h1 = new StreamHost("h1", timers);
      h1.refuse = true;
      follow(h1);
      await timers.advance(1_000);
      h1.refuse = false;
      await timers.advance(2_000);
      assert.deepEqual(h1.subscribedAt, [0, 1_000, 3_000], "opened on the third try, after a 2 s wait");
      h1.emit("healthy");
      await timers.advance(2_000);
      h1.end();
      await timers.advance(999);
      assert.equal(h1.subscribedAt.length, 3);
      await timers.advance(1);
      assert.deepEqual(h1.subscribedAt.at(-1), 6_000, "1 s after the end, not the 4 s the backoff had reached");
    });

    it("keeps backing off after a stream that opened but ended before any event", async function () {
      const h1 = new StreamHost("h1", timers);
      h1.refuse = true;
      follow(h1);
      await timers.advance(1_000);
      h1.refuse = false;
      await timers.advance(2_000);
      assert.deepEqual(h1.subscribedAt, [0, 1_000, 3_000]);
      h1.end();
      await timers.advance(3_999);
      assert.equal(h1.subscribedAt.length, 3);
      await timers.advance(1);
      assert.deepEqual(h1.subscribedAt.at(-1), 7_000, "the doubled wait (4 s): an engine that drops every stream at once is not hammered");
    });
  });

  describe("allLive: whether a quiet poll may skip observing (issue 16)", function () {
    it("is true only while every followed host's stream is open", async function () {
      const h1 = new StreamHost("h1", timers);
      const h2 = new StreamHost("h2", timers);
      h2.refuse = true;
      follow(h1, h2);
      assert.equal(events.allLive(), false, "h2 refused its stream");
      h2.refuse = false;
      await timers.advance(1_000);
      assert.equal(events.allLive(), true, "both open after h2's re-subscription");
      h1.end();
      assert.equal(events.allLive(), false, "h1's stream ended");
      await timers.advance(1_000);
      assert.equal(events.allLive(), true);
      h1.refuseLater = true;
      follow(h2);
      assert.equal(events.allLive(), true, "a host no longer followed does not count");
      events.close();
      assert.equal(events.allLive(), false, "closed: nothing is followed");
    });
  });

  describe("following and closing", function () {
    it("follows exactly the hosts it is given: a removed host's stream is closed and its retry cancelled", async function () {
      const h1 = new StreamHost("h1", timers);
      const h2 = new StreamHost("h2", timers);
      h2.refuse = true;
      follow(h1, h2);
      follow(h1, h2);
      assert.deepEqual([h1.subscribedAt, h2.subscribedAt], [[0], [0]], "following again does not subscribe twice, nor jump a pending retry");
      assert.equal(timers.waiting, 1, "h2's retry");
      follow();
      assert.equal(h1.closed, 1);
      assert.equal(timers.waiting, 0, "h2's retry cancelled");
      await timers.advance(60_000);
      assert.deepEqual(h2.subscribedAt, [0], "no retry for a host no longer followed");
    });

    it("close stops everything: no reconcile for a burst in flight, no re-subscription", async function () {
      const h1 = new StreamHost("h1", timers);
      const h2 = new StreamHost("h2", timers);
      follow(h1, h2);
      h1.emit("die");
      h2.end();
      assert.equal(timers.waiting, 2, "a debounce and a retry pending");
      events.close();
      assert.equal(timers.waiting, 0, "both cancelled");
      assert.equal(h1.closed, 1, "the open stream closed");
      await timers.advance(60_000);
      assert.deepEqual(drifts, []);
      assert.deepEqual(h2.subscribedAt, [0]);
    });
  });
});
