/**
 * The test bed as a whole: 3 Docker engines, a registry, a git HTTP server,
 * etcd, Prometheus, sshd (engine h2 over SSH) and the test images. `bedUp` is idempotent and quick when everything already
 * answers; `bedDown` leaves no daemon, bridge or mount behind.
 */
import { mkdirSync, rmSync } from "node:fs";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { bedLayout, type BedLayout } from "./layout.ts";
import { ensurePackages, missingPackages } from "./packages.ts";
import { engineClient, mountsLeft, pingEngine, startEngine, stopEngine } from "./engines.ts";
import { pingRegistry, startRegistry, stopRegistry } from "./registry.ts";
import { pingGitServer, startGitHttp, stopGitHttp } from "./git-http.ts";
import { ensureImages } from "./images.ts";
import { isAlive, readPid } from "./daemon.ts";
import { pingEtcd, startEtcd, stopEtcd } from "./etcd.ts";
import { pingPrometheus, startPrometheus, stopPrometheus } from "./prometheus.ts";
import { pingSshd, startSshd, stopSshd } from "./ssh.ts";

const run = promisify(execFile);

export interface BedUpResult {
  readonly layout: BedLayout;
  readonly started: string[];
  readonly imagesBuilt: string[];
  readonly ms: number;
}

export async function bedUp(opts: { log?: (line: string) => void; layout?: BedLayout } = {}): Promise<BedUpResult> {
  const t0 = performance.now();
  const log = opts.log ?? (() => undefined);
  const layout = opts.layout ?? bedLayout();
  if (process.getuid?.() !== 0) {
    throw new Error("The test bed starts Docker engines and network bridges, which needs root; run it as root (CI does).");
  }
  await ensurePackages(log);
  mkdirSync(layout.stateDir, { recursive: true });
  const started: string[] = [];
  const note = (what: string, state: "started" | "running") => {
    if (state === "started") {
      started.push(what);
      log(`started ${what}`);
    }
  };
  note(`registry ${layout.registry.addr}`, await startRegistry(layout.registry));
  const engines = await Promise.all(layout.hosts.map((h) => startEngine(h)));
  engines.forEach((state, i) => note(`engine ${layout.hosts[i]!.name} (${layout.hosts[i]!.ip})`, state));
  note(`git server ${layout.git.url}`, await startGitHttp(layout.git));
  // After the engines: etcd listens on their bridges' gateways, which must exist first.
  note(`etcd ${layout.etcd.url} (and ${layout.etcd.listenHosts.map((h) => `${h}:${layout.etcd.clientPort}`).join(", ")})`, (await startEtcd(layout.etcd)).state);
  // After the engines: it discovers their containers over their sockets.
  const prometheus = await startPrometheus({ ...layout.prometheus, hosts: layout.hosts }, log);
  if (prometheus.state === "reloaded") log(`prometheus ${layout.prometheus.url}: read its new configuration`);
  note(`prometheus ${layout.prometheus.url} (scraping the app's pods on ${layout.hosts.map((h) => h.name).join(", ")})`, prometheus.state === "started" ? "started" : "running");
  // After the engines: the login runs `docker system dial-stdio` against h2's socket.
  note(`sshd ${layout.ssh.endpoint} (engine ${layout.ssh.host.name})`, (await startSshd({ dir: layout.ssh.dir, port: layout.ssh.port, engineSocket: layout.ssh.host.socket })).state);
  const imagesBuilt = await ensureImages(layout, engineClient(layout.hosts[0]!), log);
  return { layout, started, imagesBuilt, ms: Math.round(performance.now() - t0) };
}

export interface BedDownResult {
  readonly stopped: string[];
  /** Anything still running or mounted after tear-down: should be empty. */
  readonly leftovers: string[];
}

async function bridgesLeft(layout: BedLayout): Promise<string[]> {
  const left: string[] = [];
  for (const h of layout.hosts) {
    try {
      await run("ip", ["link", "show", h.bridge]);
      left.push(`bridge ${h.bridge}`);
    } catch {
      // gone, as it should be
    }
  }
  return left;
}

export async function bedDown(opts: { purge?: boolean; layout?: BedLayout } = {}): Promise<BedDownResult> {
  const layout = opts.layout ?? bedLayout();
  const stopped: string[] = [];
  if (await stopSshd(layout.ssh.dir)) stopped.push("sshd");
  if (await stopPrometheus(layout.prometheus.pidFile)) stopped.push("prometheus");
  // Before the engines: their bridges carry etcd's listening addresses.
  if (await stopEtcd(layout.etcd.pidFile)) stopped.push("etcd");
  if (await stopGitHttp(layout.git)) stopped.push("git server");
  if (await stopRegistry(layout.registry)) stopped.push("registry");
  const engines = await Promise.all(layout.hosts.map((h) => stopEngine(h)));
  engines.forEach((was, i) => was && stopped.push(`engine ${layout.hosts[i]!.name}`));
  const leftovers = [
    ...mountsLeft(layout.stateDir).map((m) => `mount ${m}`),
    ...(await bridgesLeft(layout)),
    ...[layout.ssh.pidFile, layout.prometheus.pidFile, layout.etcd.pidFile, layout.git.pidFile, layout.registry.pidFile, ...layout.hosts.map((h) => h.pidFile)]
      .map((f) => readPid(f))
      .filter((pid): pid is number => pid !== undefined && isAlive(pid))
      .map((pid) => `process ${pid}`),
  ];
  if (opts.purge && leftovers.length === 0) rmSync(layout.stateDir, { recursive: true, force: true });
  return { stopped, leftovers };
}

export interface BedStatus {
  readonly up: boolean;
  readonly packagesMissing: string[];
  readonly components: { name: string; address: string; up: boolean }[];
}

export async function bedStatus(layout: BedLayout = bedLayout()): Promise<BedStatus> {
  const components = [
    { name: "registry", address: layout.registry.addr, up: await pingRegistry(layout.registry) },
    ...(await Promise.all(
      layout.hosts.map(async (h) => ({ name: `engine ${h.name}`, address: `${h.socket} | ${h.tcp} | ports on ${h.ip}`, up: await pingEngine(h) })),
    )),
    { name: "git server", address: layout.git.url, up: await pingGitServer(layout.git) },
    { name: "etcd", address: [layout.etcd.url, ...layout.etcd.listenHosts.map((h) => `${h}:${layout.etcd.clientPort}`)].join(" | "), up: await pingEtcd(layout.etcd.url) },
    { name: "prometheus", address: await prometheusAddress(layout), up: await pingPrometheus(layout.prometheus.url) },
    { name: "sshd", address: `${layout.ssh.endpoint} → engine ${layout.ssh.host.name} (key ${layout.ssh.identityFile})`, up: await pingSshd(layout.ssh.port) },
  ];
  return { up: components.every((c) => c.up), packagesMissing: await missingPackages(), components };
}

/** Its URL and what it scrapes now: `http://127.0.0.1:9090 | 4/4 app targets up`. */
async function prometheusAddress(layout: BedLayout): Promise<string> {
  try {
    const res = await fetch(`${layout.prometheus.url}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(2000) });
    const targets = ((await res.json()) as { data?: { activeTargets?: { health: string }[] } }).data?.activeTargets ?? [];
    return `${layout.prometheus.url} | ${targets.filter((t) => t.health === "up").length}/${targets.length} app targets up`;
  } catch {
    return layout.prometheus.url;
  }
}
