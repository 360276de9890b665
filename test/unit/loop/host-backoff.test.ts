import assert from "node:assert/strict";
import { HostUnreachableError } from "../../../reconciler/docker/errors.ts";
import type { DockerHost } from "../../../reconciler/docker/types.ts";
import { BackedOffHost, HOST_BACKOFF_BASE_MS, HOST_BACKOFF_MAX_MS } from "../../../reconciler/loop/host-backoff.ts";

/** An engine that is up or down as the test says, counting the calls that reach it. */
class Engine {
  up = false;
  calls = 0;
  private answer<T>(value: T): Promise<T> {
    this.calls++;
    return this.up ? Promise.resolve(value) : Promise.reject(new HostUnreachableError({ host: "h3", endpoint: "tcp://10.0.0.3:2376", cause: "connect ETIMEDOUT" }));
  }
  asHost(): DockerHost {
    return {
      name: "h3",
      address: "10.0.0.3",
      observe: () => this.answer([]),
      capacity: () => this.answer({ cpu: 2, memory: 2 ** 30 }),
      portsInUse: () => this.answer([]),
    } as unknown as DockerHost;
  }
}

describe("BackedOffHost (an unreachable host is retried with backoff)", function () {
  it("after a failure, observations fail at once with the last cause until the wait is over; the wait doubles up to the cap", async function () {
    const engine = new Engine();
    let now = 0;
    const host = new BackedOffHost(engine.asHost(), () => now);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      await assert.rejects(host.observe("o"), HostUnreachableError);
      const reached = engine.calls;
      // Until the wait is over, nothing reaches the engine.
      let waited = 0;
      for (;;) {
        now += 250;
        waited += 250;
        const before = engine.calls;
        await assert.rejects(host.observe("o"), (err: HostUnreachableError) => {
          if (engine.calls === before) assert.match(err.message, /^host "h3" at tcp:\/\/10\.0\.0\.3:2376 cannot be reached: connect ETIMEDOUT \(next try in \d+ s\)$/);
          return true;
        });
        if (engine.calls > before) break;
      }
      assert.equal(engine.calls, reached + 1);
      waits.push(waited);
    }
    assert.deepEqual(waits, [1, 2, 4, 8, 16, 30, 30, 30].map((s) => Math.min(HOST_BACKOFF_MAX_MS, s * HOST_BACKOFF_BASE_MS)));
  });

  it("observe, capacity and ports asked together count as one failure", async function () {
    const engine = new Engine();
    let now = 0;
    const host = new BackedOffHost(engine.asHost(), () => now);
    await Promise.allSettled([host.observe("o"), host.capacity(), host.portsInUse("o")]);
    assert.equal(engine.calls, 3);
    now = HOST_BACKOFF_BASE_MS;
    await Promise.allSettled([host.observe("o"), host.capacity(), host.portsInUse("o")]);
    assert.equal(engine.calls, 6, "the first wait was 1 s, not 4 s");
  });

  it("one answer resets the backoff", async function () {
    const engine = new Engine();
    let now = 0;
    const host = new BackedOffHost(engine.asHost(), () => now);
    for (let i = 0; i < 4; i++) {
      await host.observe("o").catch(() => undefined);
      now += HOST_BACKOFF_MAX_MS;
    }
    engine.up = true;
    assert.deepEqual(await host.observe("o"), []);
    engine.up = false;
    await host.observe("o").catch(() => undefined);
    const calls = engine.calls;
    now += HOST_BACKOFF_BASE_MS;
    await host.observe("o").catch(() => undefined);
    assert.equal(engine.calls, calls + 1, "back to a 1 s wait");
  });
});
