/**
 * What the rollout's health gate and the daemon's event loop read from the
 * adapter, on real engines: health transitions from the image's
 * HEALTHCHECK, exit codes, the stop grace period, and engine events.
 */
import assert from "node:assert/strict";
import type Docker from "dockerode";
import { DockerodeHost } from "../../../reconciler/docker/dockerode-host.ts";
import type { ContainerStatus, EngineEvent, Health } from "../../../reconciler/docker/types.ts";
import { engineClient } from "../../../testbed/engines.ts";
import type { BedLayout } from "../../../testbed/layout.ts";
import { removeOwnerContainers, useBed } from "../../support/bed.ts";
import { APP_BROKEN, APP_CRASH, APP_V1, podId, podLaunch, pullBedImages, toolbox, until } from "./bed-pods.ts";

describe("hosts: the adapter on real engines — health, stop and events", function () {
  const owner = `test-hosts-${podId()}`;
  let bed: BedLayout;
  let host: DockerodeHost;
  let engine: Docker;

  before(async function () {
    bed = await useBed(this);
    const h2 = bed.hosts[1]!;
    host = new DockerodeHost({ name: h2.name, endpoint: `unix://${h2.socket}` });
    engine = engineClient(h2);
    this.timeout(60_000);
    await pullBedImages(host);
  });

  after(async function () {
    if (!bed) return;
    this.timeout(60_000);
    await removeOwnerContainers(bed, owner);
    await removeOwnerContainers(bed, `${owner}-other`);
  });

  /** Polls `status` until `done`, returning every distinct health seen, in order. */
  async function healthUntil(id: string, done: (s: ContainerStatus) => boolean, withinMs = 20_000): Promise<{ seen: Health[]; last: ContainerStatus }> {
    const seen: Health[] = [];
    const last = await until(`container ${id} to settle`, async () => {
      const s = await host.status(id);
      assert.ok(s, `container ${id} exists`);
      if (seen.at(-1) !== s.health) seen.push(s.health);
      return done(s) ? s : undefined;
    }, withinMs, 150);
    return { seen, last };
  }

  const transitions: { name: string; image: string; settled: Health; seen: Health[] }[] = [
    { name: "app:v1 goes starting → healthy", image: APP_V1, settled: "healthy", seen: ["starting", "healthy"] },
    { name: "app:broken goes starting → unhealthy", image: APP_BROKEN, settled: "unhealthy", seen: ["starting", "unhealthy"] },
  ];
  for (const c of transitions) {
    it(`${c.name}; observe and the event stream say the same`, async () => {
      const events: EngineEvent[] = [];
      const sub = host.events(owner, (e) => events.push(e), () => undefined);
      try {
        const { containers } = await host.launchPod(podLaunch(owner, { group: `health-${c.settled}`, main: { image: c.image, env: { VERSION: "v1", MODE: c.settled === "healthy" ? "ok" : "broken" } } }));
        const id = containers[0]!.id;
        const { seen, last } = await healthUntil(id, (s) => s.health !== "starting" && s.health !== "none");
        assert.deepEqual(seen, c.seen);
        assert.equal(last.state, "running");
        assert.equal((await host.observe(owner)).find((o) => o.id === id)?.health, c.settled);
        await until(`a ${c.settled} event`, async () => events.find((e) => e.id === id && e.action === c.settled), 5000);
      } finally {
        sub.close();
      }
    });
  }

  it("app:crash exits with code 1, seen by status and by observe", async () => {
    const { containers } = await host.launchPod(podLaunch(owner, { group: "crash", main: { image: APP_CRASH, env: { VERSION: "v1", MODE: "crash" } } }));
    const id = containers[0]!.id;
    const { last } = await healthUntil(id, (s) => s.state === "exited");
    assert.equal(last.exitCode, 1);
    const seen = (await host.observe(owner)).find((o) => o.id === id);
    assert.deepEqual({ state: seen?.state, exitCode: seen?.exitCode }, { state: "exited", exitCode: 1 });
  });

  it("stopPod stops the sidecars before main, waits at most the grace period, then kills", async () => {
    // PID 1 without a handler ignores SIGTERM: this sidecar only goes when killed.
    const launch = podLaunch(owner, { group: "grace", sidecars: [toolbox("stubborn", "exec sleep 3600")] });
    const { containers } = await host.launchPod(launch);
    await healthUntil(containers[0]!.id, (s) => s.state === "running", 5000);
    const t0 = Date.now();
    await host.stopPod(owner, launch.pod, 2000);
    const took = Date.now() - t0;
    assert.ok(took >= 1900 && took < 6000, `stopPod with a 2 s grace period took ${took} ms`);

    const [main, sidecar] = await Promise.all(containers.map((c) => engine.getContainer(c.id).inspect()));
    assert.equal(sidecar?.State.ExitCode, 137, "the stubborn sidecar was killed once the grace period ran out");
    assert.equal(main?.State.ExitCode, 0, "main stopped on SIGTERM");
    assert.ok(Date.parse(sidecar!.State.FinishedAt) <= Date.parse(main!.State.FinishedAt), "main outlives its sidecars");
  });

  it("stopPod returns as soon as a well-behaved pod has stopped, long before its grace period", async () => {
    const launch = podLaunch(owner, { group: "prompt" });
    const { containers } = await host.launchPod(launch);
    await healthUntil(containers[0]!.id, (s) => s.state === "running", 5000);
    const t0 = Date.now();
    await host.stopPod(owner, launch.pod, 30_000);
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    assert.equal((await host.status(containers[0]!.id))?.state, "exited");
  });

  it("events: die (with exit code) and destroy of this owner's pods arrive; another owner's do not; close stops them", async () => {
    const events: EngineEvent[] = [];
    let ended: Error | "ended" | undefined;
    const sub = host.events(owner, (e) => events.push(e), (err) => (ended = err ?? "ended"));
    try {
      // Give the engine a moment to register the subscription before anything happens.
      await new Promise((r) => setTimeout(r, 300));
      const mine = podLaunch(owner, { group: "evented", slot: 4, main: { image: APP_CRASH, env: { MODE: "crash" } } });
      const theirs = podLaunch(`${owner}-other`, { group: "evented", main: { image: APP_CRASH, env: { MODE: "crash" } } });
      const [{ containers }] = await Promise.all([host.launchPod(mine), host.launchPod(theirs)]);
      const id = containers[0]!.id;
      const die = await until("a die event", async () => events.find((e) => e.id === id && e.action === "die"));
      assert.deepEqual(die, { host: "h2", id, pod: mine.pod, group: "evented", kind: "service", action: "die", exitCode: 1, at: die.at });
      assert.ok(Math.abs(die.at - Date.now()) < 10_000);

      await host.removePod(owner, mine.pod);
      await until("a destroy event", async () => events.find((e) => e.id === id && e.action === "destroy"));
      await host.removePod(`${owner}-other`, theirs.pod);
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(events.every((e) => e.pod === mine.pod), `only this owner's events: ${JSON.stringify(events)}`);
    } finally {
      sub.close();
    }
    const count = events.length;
    const after = podLaunch(owner, { group: "evented", slot: 5, main: { image: APP_CRASH, env: { MODE: "crash" } } });
    await host.launchPod(after);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(events.length, count, "no event after close");
    assert.equal(ended, undefined, "closing is not reported as the stream ending");
  });

  it("events: a stream that cannot be opened is reported through onEnd so the caller can re-subscribe", async () => {
    const gone = new DockerodeHost({ name: "gone", endpoint: "tcp://127.0.0.99:2375", insecure: true });
    const err = await new Promise<Error | undefined>((resolve) => gone.events(owner, () => undefined, resolve));
    assert.ok(err instanceof Error);
    assert.match(err.message, /ECONNREFUSED/);
  });
});
