/**
 * Observing many hosts: bounded parallelism, and a host that fails comes
 * back as data (with its error's code and whether to retry) instead of
 * failing the whole observation.
 */
import assert from "node:assert/strict";
import { EndpointRefusedError, HostUnreachableError } from "../../../reconciler/docker/errors.ts";
import { LocalExhaustionError } from "../../../reconciler/docker/local-exhaustion-error.ts";
import { observeConcurrency, observeFleet } from "../../../reconciler/docker/observe-fleet.ts";
import type { ObservedContainer } from "../../../reconciler/docker/types.ts";
import { FakeFleet, FakeHost } from "../../support/fake-host.ts";

/** A fake host whose observe first awaits `gate()`, then fails with `error` if given; counts observers in flight. */
class GatedHost extends FakeHost {
  static inFlight = 0;
  static maxInFlight = 0;
  constructor(
    name: string,
    private readonly gate: () => Promise<void>,
    private readonly error?: Error,
  ) {
    super(name, new FakeFleet());
  }
  override async observe(owner: string): Promise<ObservedContainer[]> {
    GatedHost.maxInFlight = Math.max(GatedHost.maxInFlight, ++GatedHost.inFlight);
    try {
      await this.gate();
      if (this.error) throw this.error;
      return await super.observe(owner);
    } finally {
      GatedHost.inFlight--;
    }
  }
}

const tick = () => new Promise<void>((r) => setTimeout(r, 2));

describe("hosts: observeFleet", () => {
  beforeEach(() => {
    GatedHost.inFlight = 0;
    GatedHost.maxInFlight = 0;
  });

  it("observes every host, never more than the limit at once, in host order", async () => {
    const hosts = Array.from({ length: 10 }, (_, i) => new GatedHost(`h${i}`, tick));
    const out = await observeFleet(hosts, "o", 3);
    assert.deepEqual(out.map((o) => o.host), hosts.map((h) => h.name));
    assert.ok(out.every((o) => o.ok));
    assert.equal(GatedHost.maxInFlight, 3);
  });

  const failures: { name: string; error: Error; code: string; reaction: string; message: RegExp }[] = [
    {
      name: "unreachable: retryable",
      error: new HostUnreachableError({ host: "h2", endpoint: "tcp://127.0.0.99:2375", cause: "connect ECONNREFUSED" }),
      code: "host-unreachable",
      reaction: "retry",
      message: /host "h2" at tcp:\/\/127\.0\.0\.99:2375 cannot be reached: connect ECONNREFUSED/,
    },
    {
      name: "refused endpoint: needs a human",
      error: new EndpointRefusedError({ host: "h2", endpoint: "tcp://x:2375", reason: "tcp://x:2375 has no TLS" }),
      code: "endpoint-refused",
      reaction: "stalled",
      message: /has no TLS/,
    },
    { name: "anything else: retried, with its message", error: new Error("socket hang up"), code: "observe-failed", reaction: "retry", message: /^socket hang up$/ },
  ];
  for (const c of failures) {
    it(`a failing host is reported, the others still observed (${c.name})`, async () => {
      const fleet = new FakeFleet();
      fleet.seed("h1", "p1", "web", 0, "app:v1", "hash");
      const [h1, h2, h3] = await observeFleet([fleet.host("h1"), new GatedHost("h2", tick, c.error), fleet.host("h3")], "o");
      assert.ok(h1?.ok && h3?.ok);
      assert.deepEqual(h1.containers.map((x) => x.pod), ["p1"]);
      assert.ok(h2 && !h2.ok);
      assert.equal(h2.error.code, c.code);
      assert.equal(h2.error.reaction, c.reaction);
      assert.match(h2.error.message, c.message);
    });
  }

  it("a host that has not answered yet does not hold up the others", async () => {
    // The slow host answers only once every other host has been observed;
    // if it held its slot's queue, this would never resolve.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let done = 0;
    const fast = Array.from({ length: 6 }, (_, i) => new GatedHost(`f${i}`, async () => void (++done === 6 && release())));
    const out = await observeFleet([new GatedHost("slow", () => released), ...fast], "o", 2);
    assert.equal(out.length, 7);
    assert.ok(out.every((o) => o.ok));
  });
  it("berth out of descriptors is its own error for the whole observation, never a host outage (issue 16)", async () => {
    const emfile = Object.assign(new Error("connect EMFILE 127.1.0.7:2375 - Local (undefined:undefined)"), { code: "EMFILE" });
    const hosts = [new GatedHost("h1", tick), new GatedHost("h2", tick, emfile), new GatedHost("h3", tick)];
    await assert.rejects(observeFleet(hosts, "o", 2), (err: unknown) => {
      assert.ok(err instanceof LocalExhaustionError);
      assert.equal(err.code, "local-exhaustion");
      assert.equal(err.reaction, "retry");
      assert.match(err.message, /berth ran out of file descriptors \(EMFILE\) while observing 3 hosts, 2 at a time/);
      assert.match(err.message, /No host was counted unreachable/);
      assert.match(err.message, /LimitNOFILE/);
      return true;
    });
  });

  it("observes BERTH_OBSERVE_CONCURRENCY hosts at once, 32 when it is unset or out of range", () => {
    assert.equal(observeConcurrency({}), 32);
    assert.equal(observeConcurrency({ BERTH_OBSERVE_CONCURRENCY: "128" }), 128);
    assert.equal(observeConcurrency({ BERTH_OBSERVE_CONCURRENCY: "0" }), 32);
    assert.equal(observeConcurrency({ BERTH_OBSERVE_CONCURRENCY: "lots" }), 32);
  });
});
