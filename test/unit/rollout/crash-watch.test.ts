/**
 * The crash window's verdict comes when the window ends, not up to a poll
 * later: the rollout waits for it before it removes the old pods, so the
 * lateness was paid by every apply (issue 15: about 0.4 s of a 1 s window).
 */
import assert from "node:assert/strict";
import type { DockerHost, ObservedContainer } from "../../../reconciler/docker/types.ts";
import { CrashWatch, WATCH_POLL_MS } from "../../../reconciler/rollout/crash-watch.ts";
import { fakeClock } from "../../support/fake-host.ts";

function watchedHost(clock: { now(): number }, states: (t: number) => ObservedContainer["state"]) {
  const looks: number[] = [];
  const host = {
    name: "h1",
    observe: async (): Promise<ObservedContainer[]> => {
      looks.push(clock.now());
      return [{ id: "c1", pod: "p1", container: "main", state: states(clock.now()), exitCode: 1 } as ObservedContainer];
    },
    logsTail: async () => "",
  } as unknown as DockerHost;
  return { host, looks };
}

describe("crash window (rollout.monitor)", function () {
  it("ends at the window's end: a 1.2 s window is judged at 1.2 s, not at the next 0.5 s poll", async function () {
    const clock = fakeClock();
    const { host, looks } = watchedHost(clock, () => "running");
    const watch = new CrashWatch("o", clock);
    await watch.watch({ host, pod: "p1", containers: ["main"], until: 1_200, mask: (t) => t, stop: () => false });
    assert.equal(clock.now(), 1_200);
    assert.deepEqual(looks, [WATCH_POLL_MS, 2 * WATCH_POLL_MS, 1_200]);
  });

  it("a pod that exits in the last moment of its window still fails it", async function () {
    const clock = fakeClock();
    const { host } = watchedHost(clock, (t) => (t >= 1_200 ? "exited" : "running"));
    const watch = new CrashWatch("o", clock);
    await assert.rejects(watch.watch({ host, pod: "p1", containers: ["main"], until: 1_200, mask: (t) => t, stop: () => false }), /exited with code 1 \(within the 1\.2 s monitor window/);
  });
});
