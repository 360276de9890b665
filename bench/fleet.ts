/**
 * Fleet-scale benchmark (issue 16): `berth plan` and an idle `berth run`
 * over simulated engines (bench/fleet/fake-engines.ts), one loopback
 * address per host, 2 pods a host.
 *
 *   npm run bench:fleet -- [hosts=10000] [idleSeconds=60] [resyncSeconds=600]
 *   BENCH_PROFILE=/tmp/prof npm run bench:fleet -- 10000 0   (CPU profiles of the plans and the daemon)
 *
 * Runs, each a whole compiled CLI process timed by /usr/bin/time:
 *   1. plan, empty fleet: every slot a create (exit 2 with --detailed-exitcode);
 *   2. plan, in sync: the engines seeded with the containers that plan's
 *      apply would leave (exit 0);
 *   3. plan with one host that never answers and one that resets: returns
 *      within the 10 s timeout + 1 s, exactly those 2 unreachable (exit 1);
 *   4. the daemon idle on the in-sync fleet for `idleSeconds`: requests per
 *      poll after its first pass (beyond the resync sweep's one container
 *      list a host every 600 s), CPU and RSS.
 * Targets on a 2-core machine, 10,000 hosts: plan ≤ 2 s wall and ≤ 300 MB
 * RSS; ≤ 2 requests per host per observation, on 1 connection; open sockets bounded by the
 * observation's concurrency (BERTH_OBSERVE_CONCURRENCY, 32: ≤ 64), not the
 * hosts; an idle poll 0 requests, the sweep 1 a host a lap; idle CPU ≤ 5 % of a core; RSS ≤ 500 MB.
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { compiledBerth } from "./compile.ts";
import { fakeHostAddress, startFakeEngines, type FakeContainer, type FakeEngineFleet } from "./fleet/fake-engines.ts";
import { containerName, podLabels } from "../reconciler/docker/container-config.ts";
import type { Plan } from "../reconciler/plan/types.ts";

const run = promisify(execFile);
const hostCount = Number(process.argv[2] ?? 10_000);
const idleSeconds = Number(process.argv[3] ?? 60);
const SERVICES = 10;
const PODS_PER_HOST = 2;
const OWNER = "bench-fleet";
const CONCURRENCY = 32;
/** The daemon's --resync: its sweep looks at every host once in this many seconds. */
const RESYNC_S = Number(process.argv[4] ?? 600);

function fleetDir(port: number): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "berth-bench-fleet-"));
  mkdirSync(path.join(dir, "hosts"));
  // At most 1,000 hosts a file: a file may hold 1 MiB.
  for (let f = 0; f * 1000 < hostCount; f++) {
    const docs: string[] = [];
    for (let i = f * 1000; i < Math.min(hostCount, (f + 1) * 1000); i++) {
      docs.push(`apiVersion: berth/v1\nkind: Host\nmetadata:\n  name: h${String(i).padStart(5, "0")}\nspec:\n  endpoint: tcp://${fakeHostAddress(i)}:${port}\n  insecure: true\n`);
    }
    writeFileSync(path.join(dir, "hosts", `hosts-${f}.yaml`), docs.join("---\n"));
  }
  const replicas = (hostCount * PODS_PER_HOST) / SERVICES;
  for (let s = 0; s < SERVICES; s++) {
    writeFileSync(
      path.join(dir, `svc${s}.yaml`),
      ["apiVersion: berth/v1", "kind: Service", "metadata:", `  name: svc${s}`, "spec:", "  image: 127.0.0.1:5000/berth/app:v1", `  replicas: ${replicas}`, "  resources:", "    cpu: 0.1", "    memory: 64Mi", ""].join("\n"),
    );
  }
  // `berth run` reads a git repository: the same files, committed.
  execFileSync("git", ["init", "-q", "-b", "main", dir]);
  execFileSync("git", ["-C", dir, "add", "."]);
  execFileSync("git", ["-C", dir, "-c", "user.name=bench", "-c", "user.email=bench@berth.invalid", "commit", "-q", "-m", "fleet"]);
  return dir;
}

interface Measured {
  code: number;
  wallS: number;
  rssMiB: number;
  cpuS: number;
  /** CPU seconds the simulated engines (this process) spent meanwhile: on 2 cores the wall cannot be under (cpuS + enginesCpuS) / 2. */
  enginesCpuS: number;
  stdout: string;
  stderr: string;
}

/**
 * BENCH_PROFILE=DIR: node flags for a CPU profile of each process into DIR
 * (for chrome://inspect or speedscope; written when it exits), and a heap
 * snapshot there on SIGUSR2.
 */
function profileFlags(): string[] {
  const dir = process.env.BENCH_PROFILE;
  return dir ? ["--cpu-prof", "--cpu-prof-dir", dir, "--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${dir}`] : [];
}

/** One CLI process under /usr/bin/time: wall, max RSS, user + system CPU. */
async function timed(cli: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  const timeFile = path.join(os.tmpdir(), `berth-bench-time-${process.pid}`);
  const profile = profileFlags();
  const engines0 = process.cpuUsage();
  const r = await run("/usr/bin/time", ["-o", timeFile, "-f", "%e %M %U %S", process.execPath, ...profile, cli, ...args], { env, maxBuffer: 512 * 1024 * 1024 }).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof err.code === "number" ? err.code : 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" }),
  );
  const [wall, rssKiB, user, sys] = readFileSync(timeFile, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
  const engines = process.cpuUsage(engines0);
  return { ...r, wallS: wall!, rssMiB: rssKiB! / 1024, cpuS: user! + sys!, enginesCpuS: (engines.user + engines.system) / 1e6 };
}

/** The containers `plan`'s apply would leave: each launch step's pod, running and healthy, with berth's labels. */
function seedFrom(plan: Plan, fleet: FakeEngineFleet): number {
  const byHost = new Map<string, FakeContainer[]>();
  let n = 0;
  for (const svc of plan.services) {
    if (!svc.pod) continue;
    for (const w of svc.waves) {
      for (const t of w.tracks) {
        for (const step of t.steps) {
          if (step.verb !== "launch" || step.slot === undefined) continue;
          // A plan's launch names no pod: apply makes the id. Any id will do for a pod that is already there.
          const pod = randomBytes(6).toString("hex");
          const launch = { pod, owner: plan.owner, commit: plan.commit, slot: step.slot, spec: svc.pod };
          const list = byHost.get(step.host) ?? [];
          for (const c of svc.pod.containers) {
            list.push({ Id: randomBytes(32).toString("hex"), Names: [`/${containerName(svc.pod, step.slot, pod, c.name)}`], Image: c.image, Labels: podLabels(launch, c.name), State: "running", Status: "Up 10 minutes", Created: Math.floor(Date.now() / 1000) - 600, Ports: [] });
            n++;
          }
          byHost.set(step.host, list);
        }
      }
    }
  }
  for (let i = 0; i < hostCount; i++) fleet.seed(fakeHostAddress(i), byHost.get(`h${String(i).padStart(5, "0")}`) ?? []);
  return n;
}

/** Where the CPU went: berth's process and the simulated engines share this machine's cores. */
function cpuLine(m: Measured): void {
  const cores = os.availableParallelism();
  console.log(`  CPU: berth ${m.cpuS.toFixed(2)} s, the simulated engines ${m.enginesCpuS.toFixed(2)} s; on ${cores} cores no wall is under ${((m.cpuS + m.enginesCpuS) / cores).toFixed(2)} s`);
}

function row(what: string, figure: string, target: string, ok: boolean): void {
  console.log(`  ${what.padEnd(44)} ${figure.padEnd(22)} ${target.padEnd(16)} ${ok ? "ok" : "MISSED"}`);
}

/** user+system CPU seconds of a running process, from /proc. */
function cpuOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  // utime and stime, in clock ticks (100 a second on Linux).
  return (Number(f[11]) + Number(f[12])) / 100;
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : 0;
}

async function main(): Promise<void> {
  const cli = path.join(compiledBerth("berth-bench-cli"), "reconciler/cli/main.js");
  const fleet = await startFakeEngines();
  const dir = fleetDir(fleet.port);
  const state = mkdtempSync(path.join(os.tmpdir(), "berth-bench-fleet-state-"));
  const env = { ...process.env, BERTH_STATE_DIR: state, BERTH_OBSERVE_CONCURRENCY: String(CONCURRENCY), NO_COLOR: "1" };
  const common = ["--owner", OWNER, "--detailed-exitcode"];
  console.log(`bench:fleet — ${hostCount} simulated engines on port ${fleet.port}, ${hostCount * PODS_PER_HOST} pods in ${SERVICES} services, observing ${CONCURRENCY} hosts at a time`);
  try {
    const planFile = path.join(state, "plan.json");
    const empty = await timed(cli, ["plan", dir, ...common, "--format", "json", "--out", planFile], env);
    const s1 = fleet.stats();
    const plan = JSON.parse(readFileSync(planFile, "utf8")) as Plan;
    console.log(`\nplan, empty fleet (every slot a create): exit ${empty.code}, ${plan.summary.create} creates, ${plan.summary.unplaced} unplaced`);
    row("wall", `${empty.wallS.toFixed(2)} s`, "≤ 2 s", empty.wallS <= 2);
    cpuLine(empty);
    row("max RSS", `${empty.rssMiB.toFixed(0)} MiB`, "≤ 300 MB", empty.rssMiB * 1.048576 <= 300);
    row("requests per host (most of any host)", `${s1.maxRequestsPerHost} (${(s1.requests / hostCount).toFixed(2)} avg)`, "≤ 2", s1.maxRequestsPerHost <= 2);
    row("connections per host (most of any host)", `${s1.maxConnectionsPerHost} (${(s1.connections / hostCount).toFixed(2)} avg)`, "≤ 1", s1.maxConnectionsPerHost <= 1);
    row("peak open sockets at the engines", String(s1.peakOpen), `≤ ${2 * CONCURRENCY}`, s1.peakOpen <= 2 * CONCURRENCY);
    row("exit code (changes pending)", String(empty.code), "2", empty.code === 2);
    const unreachable1 = plan.hosts.filter((h) => h.state === "unreachable").length;
    row("hosts reported unreachable", String(unreachable1), "0", unreachable1 === 0);

    const seeded = seedFrom(plan, fleet);
    fleet.reset();
    const synced = await timed(cli, ["plan", dir, ...common, "--format", "json"], env);
    const s2 = fleet.stats();
    const plan2 = JSON.parse(synced.stdout) as Plan;
    const changes = plan2.services.reduce((n, s) => n + s.changes.filter((c) => c.action !== "keep").length, 0);
    console.log(`\nplan, in sync (${seeded} containers seeded): exit ${synced.code}, ${changes} changes`);
    row("wall", `${synced.wallS.toFixed(2)} s`, "≤ 2 s", synced.wallS <= 2);
    cpuLine(synced);
    row("max RSS", `${synced.rssMiB.toFixed(0)} MiB`, "≤ 300 MB", synced.rssMiB * 1.048576 <= 300);
    row("requests per host (most of any host)", String(s2.maxRequestsPerHost), "≤ 2", s2.maxRequestsPerHost <= 2);
    row("connections per host (most of any host)", `${s2.maxConnectionsPerHost} (${(s2.connections / hostCount).toFixed(2)} avg)`, "≤ 1", s2.maxConnectionsPerHost <= 1);
    row("peak open sockets at the engines", String(s2.peakOpen), `≤ ${2 * CONCURRENCY}`, s2.peakOpen <= 2 * CONCURRENCY);
    row("exit code (in sync)", String(synced.code), "0", synced.code === 0 && changes === 0);

    const [hangAt, deadAt] = [4711 % hostCount, 42 % hostCount];
    const hang = fakeHostAddress(hangAt);
    const dead = fakeHostAddress(deadAt);
    const named = new RegExp(`; 2 unreachable: ${[deadAt, hangAt].sort((a, b) => a - b).map((i) => `h${String(i).padStart(5, "0")}`).join(", ")}$`);
    fleet.slow(hang, Number.POSITIVE_INFINITY);
    fleet.dead(dead);
    fleet.reset();
    const faulty = await timed(cli, ["plan", dir, ...common], env);
    const hostsLine = faulty.stdout.split("\n").find((l) => l.startsWith("Hosts: ")) ?? "";
    console.log(`\nplan, one host never answers and one resets: exit ${faulty.code}\n  ${hostsLine}`);
    // The hung host's requests give up 10 s after they were sent, which is after the hosts before it were observed.
    const bound = 10 + synced.wallS;
    row("wall", `${faulty.wallS.toFixed(2)} s`, `≤ ${bound.toFixed(1)} s (10 s + in sync)`, faulty.wallS <= bound);
    row("exit code (incomplete)", String(faulty.code), "1", faulty.code === 1);
    row("hosts line names exactly the 2", named.test(hostsLine) ? "yes" : "no", "yes", named.test(hostsLine));

    if (idleSeconds > 0) await idle(cli, dir, env, fleet, hang, dead);
  } finally {
    await fleet.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  }
}

/** The daemon on the in-sync fleet: after its first pass, what each 5 s poll costs with no commit and no event. */
async function idle(cli: string, dir: string, env: NodeJS.ProcessEnv, fleet: FakeEngineFleet, hang: string, dead: string): Promise<void> {
  // Every host answers again: idle means nothing to wait for (a dead host is looked at again on its backoff, by design).
  fleet.revive(hang);
  fleet.revive(dead);
  const daemon = spawn(process.execPath, [...profileFlags(), cli, "run", "--repo", dir, "--owner", OWNER, "--interval", "5s", "--resync", `${RESYNC_S}s`, "--listen", "127.0.0.1:19479"], { env: { ...env, BERTH_LOG_LEVEL: "warn" }, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  daemon.stderr.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  try {
    const warm = 30;
    await new Promise((r) => setTimeout(r, warm * 1000));
    fleet.reset();
    const cpu0 = cpuOf(daemon.pid!);
    const t0 = Date.now();
    const rss: number[] = [];
    while (Date.now() - t0 < idleSeconds * 1000) {
      await new Promise((r) => setTimeout(r, 1000));
      rss.push(rssOf(daemon.pid!));
    }
    const lastRss = rss[rss.length - 1] ?? 0;
    // Every tenth of the window, to show whether it settles or grows.
    const course = Array.from({ length: 10 }, (_, i) => rss[Math.min(rss.length - 1, Math.round(((i + 1) * rss.length) / 10) - 1)]!.toFixed(0)).join(" ");
    const s = fleet.stats();
    const cpuShare = (cpuOf(daemon.pid!) - cpu0) / ((Date.now() - t0) / 1000);
    const polls = Math.floor(idleSeconds / 5);
    console.log(`\nthe daemon, idle for ${idleSeconds} s after ${warm} s to start (interval 5 s: ${polls} polls), ${s.streams} event streams open`);
    // The sweep asks each host for its container list once a resync; anything else (a pass's /info, a stream's reconnect) is a poll's.
    const lists = s.byPath["GET /containers/json"] ?? 0;
    const laps = Math.ceil(idleSeconds / RESYNC_S);
    row("engine requests per poll, beyond the sweep", `${((s.requests - lists) / polls).toFixed(1)} (${s.requests - lists} in all)`, "0", s.requests === lists);
    row("the sweep: requests per host (most of any host)", `${s.maxRequestsPerHost} (${lists} lists in all)`, `≤ ${laps + 1} (${laps} a ${RESYNC_S} s lap)`, s.maxRequestsPerHost <= laps + 1);
    row("CPU", `${(cpuShare * 100).toFixed(1)} % of a core`, "≤ 5 %", cpuShare <= 0.05);
    row(`RSS after ${idleSeconds} s`, `${lastRss.toFixed(0)} MiB`, "≤ 500 MB", lastRss * 1.048576 <= 500);
    console.log(`  RSS over the window (MiB, each tenth): ${course}; peak ${Math.max(...rss).toFixed(0)} at ${rss.indexOf(Math.max(...rss)) + 1} s`);
    if (s.requests > lists) console.log(`  requests by path: ${JSON.stringify(s.byPath)}`);
  } finally {
    daemon.kill("SIGTERM");
    await new Promise((r) => daemon.once("exit", r));
    if (process.env.BENCH_VERBOSE) console.log(log);
  }
}

await main();
