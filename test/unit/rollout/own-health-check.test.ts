/**
 * The gate runs a container's own HEALTHCHECK test itself while the engine
 * has not run it yet (issue 15): the engine's first run comes a whole
 * `interval` after the start, which was most of each wave. Only a pass
 * counts; everything else is left to the engine.
 */
import assert from "node:assert/strict";
import { healthTestCommand } from "../../../reconciler/docker/dockerode-host.ts";
import type { ContainerStatus, DockerHost } from "../../../reconciler/docker/types.ts";
import { EARLY_EXEC_POLL_MS, EARLY_FOR_MS, EARLY_POLL_MS, POLL_MS, waitReady } from "../../../reconciler/rollout/health-gate.ts";
import { fakeClock } from "../../support/fake-host.ts";
import { pod } from "../plan/mock.ts";

const TEST = ["/bin/sh", "-c", "wget -q -O /dev/null http://127.0.0.1:8080/healthz || exit 1"];

/** A pod whose engine says `starting` for `engineLooks` looks, then healthy; `exec` answers as `check` says. */
function host(opts: { engineLooks: number; check: "passes" | "fails" | "throws" | "none" }) {
  let looks = 0;
  const execs: string[][] = [];
  const h = {
    name: "h1",
    address: "127.0.0.1",
    status: async (id: string): Promise<ContainerStatus> => ({
      id,
      state: "running",
      health: looks++ < opts.engineLooks ? "starting" : "healthy",
      ports: [],
      ...(opts.check === "none" ? {} : { healthTest: TEST, healthTimeoutMs: 1_000 }),
    }),
    exec: async (_id: string, command: readonly string[]) => {
      execs.push([...command]);
      if (opts.check === "throws") throw new Error("OCI runtime exec failed: exec: \"/bin/sh\": stat /bin/sh: no such file or directory");
      return { exitCode: opts.check === "passes" ? 0 : 1, output: "" };
    },
    logsTail: async () => "",
    cpuCores: async () => undefined,
  } as unknown as DockerHost;
  return { h, execs, looks: () => looks };
}

const gate = async (h: DockerHost) => {
  const clock = fakeClock();
  await waitReady({ host: h, pod: "p1", spec: pod(), containerIds: ["c1"], deadline: 60_000, minReadyMs: 0, mask: (t) => t }, clock, { http: async () => false, tcp: async () => false });
  return clock.now();
};

describe("health gate: the container's own HEALTHCHECK, run before the engine's first interval", function () {
  it("counts the pod at the first look when its own test passes, long before the engine says healthy", async function () {
    const { h, execs } = host({ engineLooks: 10, check: "passes" });
    assert.equal(await gate(h), 0);
    assert.deepEqual(execs, [TEST]);
  });

  it("a test that fails is not a verdict: the gate waits for the engine", async function () {
    const { h, execs } = host({ engineLooks: 3, check: "fails" });
    // Looked at every 100 ms, not 20: each look that runs the test starts a process in the container.
    assert.equal(await gate(h), 3 * EARLY_EXEC_POLL_MS);
    assert.equal(execs.length, 3);
  });

  it("a test that cannot be run (no shell in the image) leaves it to the engine too", async function () {
    const { h } = host({ engineLooks: 2, check: "throws" });
    assert.equal(await gate(h), 2 * EARLY_EXEC_POLL_MS);
  });

  it("a container without a HEALTHCHECK test is not exec'd", async function () {
    const { h, execs } = host({ engineLooks: 2, check: "none" });
    assert.equal(await gate(h), 2 * EARLY_POLL_MS);
    assert.deepEqual(execs, []);
  });
});

describe("health gate: its cadence", function () {
  it("looks every 20 ms for the first second after the start, then every 200 ms (a server that starts fast is counted within 20 ms)", async function () {
    const clock = fakeClock();
    const at: number[] = [];
    const h = {
      name: "h1",
      address: "127.0.0.1",
      status: async (id: string): Promise<ContainerStatus> => {
        at.push(clock.now());
        return { id, state: "running", health: clock.now() >= 1_500 ? "healthy" : "starting", ports: [] };
      },
    } as unknown as DockerHost;
    await waitReady({ host: h, pod: "p1", spec: pod(), containerIds: ["c1"], deadline: 60_000, minReadyMs: 0, mask: (t) => t }, clock, { http: async () => false, tcp: async () => false });
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    const early = EARLY_FOR_MS / EARLY_POLL_MS;
    assert.deepEqual(gaps.slice(0, early), Array(early).fill(EARLY_POLL_MS));
    assert.deepEqual(gaps.slice(early), [POLL_MS, POLL_MS, POLL_MS]);
    assert.equal(clock.now(), 1_600);
  });
});

describe("health gate: minReady", function () {
  it("counts the pod when minReady ends, not at the next poll after it (each look here takes 30 ms)", async function () {
    const clock = fakeClock();
    let looks = 0;
    const h = {
      name: "h1",
      address: "127.0.0.1",
      status: async (id: string): Promise<ContainerStatus> => {
        looks++;
        await clock.sleep(30);
        return { id, state: "running", health: "healthy", ports: [] };
      },
    } as unknown as DockerHost;
    await waitReady({ host: h, pod: "p1", spec: pod(), containerIds: ["c1"], deadline: 60_000, minReadyMs: 1_000, mask: (t) => t }, clock, { http: async () => false, tcp: async () => false });
    // Healthy at the first look's answer (30 ms); the last look starts 1 s later, at 1,030 ms, and answers at 1,060.
    // Polling every 200 ms after each look would have ended at 1,180 ms.
    assert.equal(clock.now(), 1_060);
    assert.equal(looks, 6);
  });
});

describe("healthTestCommand: a HEALTHCHECK's Test as a command", function () {
  const cases: { name: string; test: string[] | undefined; want: readonly string[] | undefined }[] = [
    { name: "CMD-SHELL runs in the image's shell", test: ["CMD-SHELL", "curl -f localhost || exit 1"], want: ["/bin/sh", "-c", "curl -f localhost || exit 1"] },
    { name: "CMD runs its arguments as they are", test: ["CMD", "/bin/check", "--quick"], want: ["/bin/check", "--quick"] },
    { name: "NONE is no test", test: ["NONE"], want: undefined },
    { name: "an empty CMD is no test", test: ["CMD"], want: undefined },
    { name: "no HEALTHCHECK", test: undefined, want: undefined },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(healthTestCommand(c.test), c.want));
});
