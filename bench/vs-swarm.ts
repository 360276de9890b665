/**
 * berth next to Docker Swarm (issue 15, item 1): 6 replicas of the bed's app
 * image on one engine, parallelism 2, start-first, the image's HEALTHCHECK
 * (1 s interval) as the health signal, whole CLI processes timed, median of 3:
 *
 *   create 6 replicas        `docker service create --replicas 6 … --detach=false`  vs  `berth apply DIR --yes` (v1 from nothing)
 *   rolling update v1 → v2   `docker service update --image …:v2 --detach=false`   vs  `berth apply DIR --yes` (v2), minReady 0s and 1s
 *
 * Swarm: `--update-parallelism 2 --update-order start-first --update-monitor 1s`.
 * berth: `rollout: {maxSurge: 2, maxUnavailable: 0, order: start-first, monitor: 1s}` — monitor
 * is set to 1 s (berth's default is 5 s) because Swarm's CLI also waits its 1 s monitor out after
 * the last task is up ("verify: Waiting 1 seconds to verify that tasks are stable"); no `health:`,
 * so berth uses the image's HEALTHCHECK as Swarm does; `placement.distinctHosts: false`, since
 * all 6 replicas share the one engine. Swarm has no minReady: its update is measured once and
 * stands next to both berth variants. Swarm's task turns "running" only once its container
 * reports healthy (the swarm executor waits for it), so both sides wait for the same signal;
 * the bench checks all 6 are healthy when each CLI returns.
 *
 * The floor is the engine's own cost for the same containers, measured in the same run through
 * dockerode in this process (no CLI start-up), with the same guarantees:
 *   create  create+start 6 containers of v1 at once, wait until every one is healthy (the
 *           engine reports it, or the image's own HEALTHCHECK test, exec'd every 50 ms, passes:
 *           the soonest it can be known), then the 1 s crash window.
 *   update  with 6 v1 running: 2 lanes (parallelism 2), each for its 3 slots in turn: create+start
 *           one v2, wait healthy, wait minReady, stop the v1 it replaces; then the 1 s crash window
 *           after the last new container counted. Never fewer than 6 healthy, never more than 8.
 *
 * Where it runs: its own dockerd, started exactly as the bed starts its engines (testbed/engines.ts:
 * same binary and storage driver, its own data-root, exec-root, pid file, socket and bridge,
 * `--iptables=false --ip-masq=false`, `--ip 127.0.0.30`), under a temporary folder, then stopped
 * and deleted. Not h1 itself, though the issue says "on the bed's engine h1": swarm mode is
 * engine-wide state (a raft store in the data-root, an `ingress` overlay with its sandbox, and a
 * `docker_gwbridge` Linux bridge that would be named the same for every engine on the machine),
 * and the bed's engines serve integration tests at the same time, some of which stop and restart
 * h1. A bench killed mid-run must not leave h1 a swarm manager. The figures are the engine's
 * figures either way: both tools and the floor run on this one engine in the same run.
 *
 * Swarm's minimal setup on such an engine: `docker swarm init --advertise-addr 127.0.0.1` works
 * with `--iptables=false` and a custom `--bridge`; services without published ports need no
 * routing mesh, and their tasks join the default bridge. Before the init, the bench creates the
 * `docker_gwbridge` network itself on its own Linux bridge (`bvs-gw`, 198.18.31.0/24, no
 * masquerading), so swarm does not take a host-wide `docker_gwbridge` from 172.x. Swarm runs
 * first, between `swarm init` and `swarm leave --force`; then berth and the floor run on the
 * same engine out of swarm mode.
 *
 *   npx tsx bench/vs-swarm.ts [rounds=3]
 *   BERTH_BENCH_ROOT=/path/to/checkout npx tsx bench/vs-swarm.ts   # time another checkout's CLI
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type Docker from "dockerode";
import { bedUp } from "../testbed/bed.ts";
import { engineClient, mountsLeft, pullImage, startEngine, stopEngine } from "../testbed/engines.ts";
import { repoRoot, type BedHost } from "../testbed/layout.ts";
import { compiledBerth } from "./compile.ts";
import { healthTestCommand } from "../reconciler/docker/dockerode-host.ts";

const rounds = Number(process.argv[2] ?? 3);
const V1 = "127.0.0.1:5000/berth/app:v1";
const V2 = "127.0.0.1:5000/berth/app:v2";
const REPLICAS = 6;
const PARALLELISM = 2;
const MONITOR_MS = 1000;
const SWARM_SERVICE = "bvs-web";
const GW_BRIDGE = "bvs-gw";
const MIN_READY = ["0s", "1s"] as const;
type MinReady = (typeof MIN_READY)[number];

if (process.getuid?.() !== 0) throw new Error("bench:vs-swarm starts its own Docker engine and network bridges, which needs root.");

const workDir = mkdtempSync("/tmp/berth-vs-swarm-");
const engine: BedHost = {
  name: "vs-swarm",
  index: 30,
  ip: "127.0.0.30",
  socket: path.join(workDir, "docker.sock"),
  tcp: "tcp://127.0.0.30:2375",
  bridge: "br-bvs",
  bridgeCidr: "198.18.30.1/24",
  dir: workDir,
  pidFile: path.join(workDir, "docker.pid"),
  logFile: path.join(workDir, "dockerd.log"),
  labels: {},
};
const dockerEnv = { ...process.env, DOCKER_HOST: `unix://${engine.socket}` };
/** Whose `berth` CLI is timed: this checkout, or another (an older commit, a clean export). */
const berthRoot = process.env["BERTH_BENCH_ROOT"] ?? repoRoot;
/** berth as it ships (tsc's output on plain node, like dist/): under tsx each process would pay about 1.3 s for the loader. */
const berthMain = path.join(compiledBerth("berth-bench-vs-swarm", berthRoot), "reconciler/cli/main.js");
const runId = `bench-vs-swarm-${process.pid}`;

interface Run {
  readonly ms: number;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Date.now() when the process was spawned, to place berth's own event times. */
  readonly spawnedAt: number;
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = dockerEnv, cwd = repoRoot): Promise<Run> {
  return new Promise((resolve) => {
    const spawnedAt = Date.now();
    const t0 = performance.now();
    execFile(cmd, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ ms: performance.now() - t0, code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr, spawnedAt }),
    );
  });
}

async function must(what: string, p: Promise<Run>): Promise<Run> {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
  return r;
}

const docker = (...args: string[]) => run("/usr/bin/docker", args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function linkExists(name: string): Promise<boolean> {
  return (await run("ip", ["link", "show", name], process.env)).code === 0;
}

// ---- clean-up: always, also on failure and Ctrl-C ----

let cleaning: Promise<string[]> | undefined;
/** Set once the bench knows the links are its own, not another run's. */
let ownsEngine = false;
/** Leaves swarm, stops the engine, deletes its bridges and folder; returns what could not be removed. */
function cleanUp(): Promise<string[]> {
  cleaning ??= (async () => {
    if (!ownsEngine) {
      rmSync(workDir, { recursive: true, force: true });
      return [];
    }
    // The engine and its data-root go away below, which ends swarm mode too; leaving first
    // lets dockerd take its ingress sandbox down itself.
    await docker("swarm", "leave", "--force");
    await docker("network", "rm", "docker_gwbridge");
    await stopEngine(engine).catch(() => undefined);
    if (await linkExists(GW_BRIDGE)) await run("ip", ["link", "del", GW_BRIDGE], process.env);
    const left = [...mountsLeft(workDir)];
    for (const link of [engine.bridge, GW_BRIDGE]) if (await linkExists(link)) left.push(`link ${link}`);
    if (left.length === 0) rmSync(workDir, { recursive: true, force: true });
    return left;
  })();
  return cleaning;
}

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    process.stderr.write(`\nbench:vs-swarm: ${sig}, cleaning up (swarm leave, engine stop)…\n`);
    void cleanUp().finally(() => process.exit(130));
  });
}

// ---- the engine ----

async function startBenchEngine(): Promise<Docker> {
  for (const link of [engine.bridge, GW_BRIDGE]) {
    if (await linkExists(link)) {
      throw new Error(`network link ${link} exists: another bench:vs-swarm runs, or one was killed; if none runs, delete it with \`ip link del ${link}\``);
    }
  }
  ownsEngine = true;
  await startEngine(engine);
  await Promise.all([V1, V2].map((ref) => pullImage(engine, ref)));
  return engineClient(engine);
}

/** Containers of one label on the engine, all states. */
async function containersLabelled(client: Docker, label: string): Promise<Docker.ContainerInfo[]> {
  return client.listContainers({ all: true, filters: { label: [label] } });
}

async function removeLabelled(client: Docker, label: string): Promise<void> {
  await Promise.all((await containersLabelled(client, label)).map((c) => client.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
}

async function healthyCount(client: Docker, label: string): Promise<number> {
  const running = (await containersLabelled(client, label)).filter((c) => c.State === "running");
  return running.filter((c) => c.Status.includes("(healthy)")).length;
}

// ---- Swarm ----

async function swarmRound(client: Docker): Promise<{ create: number; update: number }> {
  const label = `com.docker.swarm.service.name=${SWARM_SERVICE}`;
  const create = await must(
    "docker service create",
    docker("service", "create", "--name", SWARM_SERVICE, "--replicas", String(REPLICAS), "--update-parallelism", String(PARALLELISM), "--update-order", "start-first", "--update-monitor", "1s", "--detach=false", "--quiet", V1),
  );
  const healthyAfterCreate = await healthyCount(client, label);
  const update = await must("docker service update", docker("service", "update", "--image", V2, "--detach=false", "--quiet", SWARM_SERVICE));
  const v2Healthy = (await containersLabelled(client, label)).filter((c) => c.Image.startsWith(V2) && c.State === "running" && c.Status.includes("(healthy)")).length;
  if (healthyAfterCreate !== REPLICAS || v2Healthy !== REPLICAS) {
    process.stderr.write(`bench:vs-swarm: warning: when swarm's CLI returned, ${healthyAfterCreate} (create) and ${v2Healthy} (update) of ${REPLICAS} containers were healthy\n`);
  }
  await must("docker service rm", docker("service", "rm", SWARM_SERVICE));
  // Swarm removes the task containers in the background: wait, so the next round starts from nothing.
  for (let i = 0; (await containersLabelled(client, label)).length > 0; i++) {
    if (i > 600) throw new Error(`swarm left containers of ${SWARM_SERVICE} behind 30 s after \`docker service rm\``);
    await sleep(50);
  }
  return { create: create.ms, update: update.ms };
}

async function swarmRounds(client: Docker): Promise<{ create: number; update: number }[]> {
  await must(
    "docker network create docker_gwbridge",
    docker("network", "create", "--driver", "bridge", "--subnet", "198.18.31.0/24", "-o", `com.docker.network.bridge.name=${GW_BRIDGE}`, "-o", "com.docker.network.bridge.enable_icc=false", "-o", "com.docker.network.bridge.enable_ip_masquerade=false", "docker_gwbridge"),
  );
  await must("docker swarm init", docker("swarm", "init", "--advertise-addr", "127.0.0.1"));
  try {
    const out: { create: number; update: number }[] = [];
    for (let r = 0; r < rounds; r++) out.push(await swarmRound(client));
    return out;
  } finally {
    // After Ctrl-C the clean-up has left swarm already; do not report that as a second failure.
    if (!cleaning) {
      await docker("service", "rm", SWARM_SERVICE);
      await must("docker swarm leave", docker("swarm", "leave", "--force"));
      await docker("network", "rm", "docker_gwbridge");
    }
  }
}

// ---- berth ----

interface BerthEvent {
  readonly type: string;
  readonly at?: number;
  readonly phase?: string;
  readonly slot?: number;
  readonly ms?: number;
  readonly ok?: boolean;
}

interface BerthRun {
  readonly ms: number;
  /** Milliseconds from spawn to each event, and the rollout's own `ms` from the result line. */
  readonly events: readonly { readonly t: number; readonly phase: string; readonly slot?: number }[];
  readonly rolloutMs: number;
}

function fleetYaml(image: string, minReady: MinReady): { hosts: string; service: string } {
  return {
    hosts: ["apiVersion: berth/v1", "kind: Host", "metadata:", "  name: bench", "spec:", `  endpoint: unix://${engine.socket}`, ""].join("\n"),
    service: [
      "apiVersion: berth/v1",
      "kind: Service",
      "metadata:",
      "  name: web",
      "spec:",
      `  image: ${image}`,
      `  replicas: ${REPLICAS}`,
      "  placement:",
      "    distinctHosts: false",
      "  rollout:",
      `    maxSurge: ${PARALLELISM}`,
      "    maxUnavailable: 0",
      "    order: start-first",
      `    minReady: ${minReady}`,
      "    monitor: 1s",
      "",
    ].join("\n"),
  };
}

async function berthApply(dir: string, owner: string, stateDir: string): Promise<BerthRun> {
  const r = await must(
    "berth apply",
    run(process.execPath, [berthMain, "apply", dir, "--owner", owner, "--state-dir", stateDir, "--json", "--yes"], { ...process.env, NO_COLOR: "1" }, berthRoot),
  );
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as BerthEvent);
  const result = lines.at(-1)!;
  if (result.type !== "result" || result.ok !== true) throw new Error(`berth apply did not converge:\n${r.stdout}${r.stderr}`);
  return {
    ms: r.ms,
    events: lines.filter((e) => e.type === "event").map((e) => ({ t: e.at! - r.spawnedAt, phase: e.phase!, ...(e.slot !== undefined ? { slot: e.slot } : {}) })),
    rolloutMs: result.ms ?? 0,
  };
}

async function berthRound(client: Docker, minReady: MinReady): Promise<{ create: BerthRun; update: BerthRun; planMs: number }> {
  const owner = `${runId}-${minReady}`;
  const dir = path.join(workDir, `fleet-${minReady}`);
  const state = path.join(workDir, `state-${minReady}`);
  const write = (image: string) => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const y = fleetYaml(image, minReady);
    writeFileSync(path.join(dir, "hosts.yaml"), y.hosts);
    writeFileSync(path.join(dir, "web.yaml"), y.service);
  };
  try {
    write(V1);
    // Not part of any figure: what loading, observing, placing and diffing cost before a rollout starts.
    const plan = await must("berth plan", run(process.execPath, [berthMain, "plan", dir, "--owner", owner, "--state-dir", state], { ...process.env, NO_COLOR: "1" }, berthRoot));
    const create = await berthApply(dir, owner, state);
    const healthyAfterCreate = await healthyCount(client, `berth.owner=${owner}`);
    write(V2);
    const update = await berthApply(dir, owner, state);
    const v2Healthy = (await containersLabelled(client, `berth.owner=${owner}`)).filter((c) => c.Image.startsWith(V2) && c.State === "running" && c.Status.includes("(healthy)")).length;
    if (healthyAfterCreate !== REPLICAS || v2Healthy !== REPLICAS) {
      process.stderr.write(`bench:vs-swarm: warning: when berth apply returned, ${healthyAfterCreate} (create) and ${v2Healthy} (update) of ${REPLICAS} containers were healthy\n`);
    }
    return { create, update, planMs: plan.ms };
  } finally {
    await removeLabelled(client, `berth.owner=${owner}`);
    rmSync(dir, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  }
}

// ---- the floor ----

const FLOOR_LABEL = `bench.vs-swarm.floor=${runId}`;

async function startContainer(client: Docker, image: string): Promise<Docker.Container> {
  const c = await client.createContainer({ Image: image, Labels: { "bench.vs-swarm.floor": runId } });
  await c.start();
  return c;
}

/**
 * When each floor container first reports healthy, from the engine's event stream (one
 * subscription, not a poll per container, so the floor adds no load of its own).
 */
class HealthWatch {
  private readonly healthyAt = new Map<string, number>();
  private readonly waiting = new Map<string, (at: number) => void>();
  private constructor(private readonly stream: NodeJS.ReadableStream & { destroy(): void }) {
    let buf = "";
    stream.on("data", (chunk: Buffer) => {
      buf += chunk.toString("utf8");
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const e = JSON.parse(line) as { Action?: string; Actor?: { ID?: string } };
        const id = e.Actor?.ID;
        if (!id || e.Action !== "health_status: healthy" || this.healthyAt.has(id)) continue;
        const at = performance.now();
        this.healthyAt.set(id, at);
        this.waiting.get(id)?.(at);
      }
    });
  }

  static async open(client: Docker): Promise<HealthWatch> {
    const stream = (await client.getEvents({ filters: { type: ["container"], label: [FLOOR_LABEL] } })) as NodeJS.ReadableStream & { destroy(): void };
    return new HealthWatch(stream);
  }

  /**
   * performance.now() when `id` first counts as healthy: the engine reports
   * it, or the image's own HEALTHCHECK test, run in the container every
   * 50 ms, passes first — the soonest the container can be known healthy,
   * which is what berth's gate aims at too.
   */
  healthy(id: string, client: Docker): Promise<number> {
    // A test that cannot be run says nothing: the engine's report then decides.
    return Promise.race([this.reported(id), ownCheckPasses(client, id).catch(() => new Promise<number>(() => undefined))]);
  }

  /** performance.now() when `id` first reported healthy. */
  private reported(id: string): Promise<number> {
    const at = this.healthyAt.get(id);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`floor container ${id.slice(0, 12)} did not report healthy within 30 s`)), 30_000);
      this.waiting.set(id, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  close(): void {
    this.stream.destroy();
  }
}

/** performance.now() when the container's own HEALTHCHECK test, run by exec every 50 ms, first passes. */
async function ownCheckPasses(client: Docker, id: string): Promise<number> {
  const container = client.getContainer(id);
  const test = healthTestCommand((await container.inspect()).Config.Healthcheck?.Test);
  if (!test) return new Promise(() => undefined);
  for (;;) {
    const exec = await container.exec({ Cmd: [...test], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    stream.resume();
    await new Promise<void>((resolve) => stream.on("end", () => resolve()));
    if ((await exec.inspect()).ExitCode === 0) return performance.now();
    await sleep(50);
  }
}

async function floorCreate(client: Docker, watch: HealthWatch): Promise<{ ms: number; containers: Docker.Container[] }> {
  const t0 = performance.now();
  const started = await Promise.all(
    Array.from({ length: REPLICAS }, async () => {
      const c = await startContainer(client, V1);
      return { c, healthyAt: await watch.healthy(c.id, client) };
    }),
  );
  const counted = Math.max(...started.map((s) => s.healthyAt));
  await sleep(counted + MONITOR_MS - performance.now());
  return { ms: performance.now() - t0, containers: started.map((s) => s.c) };
}

async function floorUpdate(old: readonly Docker.Container[], client: Docker, watch: HealthWatch, minReadyMs: number): Promise<number> {
  const t0 = performance.now();
  let lastCounted = 0;
  await Promise.all(
    Array.from({ length: PARALLELISM }, async (_, lane) => {
      for (let slot = lane; slot < REPLICAS; slot += PARALLELISM) {
        const c = await startContainer(client, V2);
        await watch.healthy(c.id, client);
        await sleep(minReadyMs);
        lastCounted = Math.max(lastCounted, performance.now());
        await old[slot]!.stop();
      }
    }),
  );
  await sleep(lastCounted + MONITOR_MS - performance.now());
  return performance.now() - t0;
}

async function floorRound(client: Docker): Promise<{ create: number; update: Record<MinReady, number> }> {
  const watch = await HealthWatch.open(client);
  try {
    const first = await floorCreate(client, watch);
    const update0 = await floorUpdate(first.containers, client, watch, 0);
    await removeLabelled(client, FLOOR_LABEL);
    const second = await floorCreate(client, watch);
    const update1 = await floorUpdate(second.containers, client, watch, 1000);
    return { create: first.ms, update: { "0s": update0, "1s": update1 } };
  } finally {
    watch.close();
    await removeLabelled(client, FLOOR_LABEL);
  }
}

// ---- the run ----

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const list = (xs: readonly number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(", ");

function timeline(r: BerthRun): string {
  const byPhase = new Map<string, number[]>();
  for (const e of r.events) byPhase.set(e.phase, [...(byPhase.get(e.phase) ?? []), e.t]);
  return [...byPhase].map(([phase, ts]) => `${phase} ${ts.map((t) => (t / 1000).toFixed(2)).join(" ")}`).join(" | ");
}

let failed = false;
try {
  await bedUp(); // the registry and the images; the bench's engine pulls from it
  const client = await startBenchEngine();
  const startup = await must("berth --help", run(process.execPath, [berthMain, "--help"], process.env, berthRoot));
  const swarm = await swarmRounds(client);
  const berth: Record<MinReady, { create: BerthRun; update: BerthRun; planMs: number }[]> = { "0s": [], "1s": [] };
  const floor: { create: number; update: Record<MinReady, number> }[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const m of MIN_READY) berth[m].push(await berthRound(client, m));
    floor.push(await floorRound(client));
  }

  const swarmCreate = swarm.map((x) => x.create);
  const swarmUpdate = swarm.map((x) => x.update);
  const berthCreate = berth["0s"].map((x) => x.create.ms);
  const floorCreateMs = floor.map((x) => x.create);
  const row = (title: string, sw: number[], be: number[], fl: number[]) => {
    const [msw, mbe, mfl] = [median(sw), median(be), median(fl)];
    console.log(`${title}: swarm ${s(msw)}  berth ${s(mbe)}  ratio ${(mbe / msw).toFixed(2)} (target ≤ 0.50)  floor ${s(mfl)}  berth/floor ${(mbe / mfl).toFixed(2)} (target ≤ 1.15)`);
    console.log(`    runs: swarm ${list(sw)}; berth ${list(be)}; floor ${list(fl)}`);
  };
  console.log(`berth vs Docker Swarm on one engine (dockerd ${engine.socket}), 6 replicas of app, parallelism 2, start-first, image HEALTHCHECK 1 s, crash window 1 s, median of ${rounds}:`);
  row("create 6 replicas", swarmCreate, berthCreate, floorCreateMs);
  for (const m of MIN_READY) {
    row(`rolling update v1→v2, minReady ${m}`, swarmUpdate, berth[m].map((x) => x.update.ms), floor.map((x) => x.update[m]));
  }
  console.log("  swarm: whole `docker service create|update … --detach=false` processes (Swarm has no minReady: one update figure for both rows).");
  console.log(`  berth: whole \`berth apply DIR --json --yes\` processes, compiled as shipped (tsc, plain node), (checkout ${berthRoot}), from a fresh state folder;`);
  console.log(`         its start-up alone (\`--help\`): ${s(startup.ms)}; a whole \`berth plan DIR\` process (start-up, load, observe, place, diff) before the create: median ${s(median([...berth["0s"], ...berth["1s"]].map((x) => x.planMs)))}.`);
  console.log("  floor: dockerode in this process, healthy at the engine's event or the image's own HEALTHCHECK test passing (exec every 50 ms), whichever is first. create: create+start 6 at once, until all healthy, + 1 s crash window.");
  console.log("         update: 2 lanes, each slot in turn: create+start v2, until healthy, + minReady, stop the v1; + 1 s crash window after the last counted.");
  for (const m of MIN_READY) {
    const runs = berth[m].map((x) => x.update);
    const mid = runs.find((x) => x.ms === median(runs.map((y) => y.ms)))!;
    console.log(`  berth update minReady ${m}, median run, seconds since spawn: ${timeline(mid)} | exit ${(mid.ms / 1000).toFixed(2)} (rollout ${(mid.rolloutMs / 1000).toFixed(2)} s)`);
  }
  const cr = berth["0s"].map((x) => x.create);
  const midCreate = cr.find((x) => x.ms === median(cr.map((y) => y.ms)))!;
  console.log(`  berth create, median run, seconds since spawn: ${timeline(midCreate)} | exit ${(midCreate.ms / 1000).toFixed(2)} (rollout ${(midCreate.rolloutMs / 1000).toFixed(2)} s)`);
} catch (err) {
  failed = true;
  process.stderr.write(`bench:vs-swarm: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
} finally {
  const left = await cleanUp();
  if (left.length > 0) {
    failed = true;
    process.stderr.write(`bench:vs-swarm: could not clean up: ${left.join(", ")} (under ${workDir})\n`);
  }
}
process.exit(failed ? 1 : 0);
