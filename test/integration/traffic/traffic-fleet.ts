/**
 * What the traffic tests (and bench/traffic.ts) share: a fleet repository in
 * a local git folder whose Hosts are the bed's engines over plain TCP on
 * their own loopback addresses (so each host's address is its own, and its
 * proxy answers there, not on 127.0.0.1 shared by all three), `berth apply`
 * and `berth validate` run as real processes with the operator config that
 * names the bed's proxy image, the containers of a service as the engines
 * list them, and a client with no retries.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { engineClient } from "../../../testbed/engines.ts";
import { PROXY_IMAGE } from "../../../testbed/images.ts";
import { repoRoot, type BedHost, type BedLayout } from "../../../testbed/layout.ts";
import { removeOwnerContainers } from "../../support/bed.ts";

const berthMain = path.join(repoRoot, "reconciler/cli/main.ts");

export const appImage = (tag: string) => `127.0.0.1:5000/berth/app:${tag}`;
export const TOOLBOX = "127.0.0.1:5000/berth/toolbox:v1";

/** Host documents for `hosts` (the bed's engines by default), each over plain TCP to its own address. */
export function tcpHostsYaml(hosts: readonly BedHost[]): string {
  return hosts.map((h) => `apiVersion: berth/v1\nkind: Host\nmetadata:\n  name: ${h.name}\nspec:\n  endpoint: ${h.tcp}\n  insecure: true\n  labels:\n    zone: ${h.labels["zone"]}\n`).join("---\n");
}

/**
 * `web` on `image`, 3 replicas, exposed on `port`. The image's own
 * HEALTHCHECK gates it; a short crash window and grace keep tests short.
 */
export function exposedWebYaml(image: string, port: number, opts: { replicas?: number } = {}): string {
  return [
    "apiVersion: berth/v1",
    "kind: Service",
    "metadata:",
    "  name: web",
    "spec:",
    `  image: ${image}`,
    `  replicas: ${opts.replicas ?? 3}`,
    "  ports:",
    "    - name: http",
    "      containerPort: 8080",
    "  expose:",
    `    - port: ${port}`,
    "      targetPort: http",
    "      protocol: http",
    "  rollout:",
    "    monitor: 1s",
    "    progressDeadline: 30s",
    "  stopGracePeriod: 2s",
    "",
  ].join("\n");
}

/** A toolbox service that idles until it is stopped, with `extra` lines under `spec:` (two-space indent). */
export function idleServiceYaml(name: string, extra: readonly string[]): string {
  return [
    "apiVersion: berth/v1",
    "kind: Service",
    "metadata:",
    `  name: ${name}`,
    "spec:",
    `  image: ${TOOLBOX}`,
    '  command: ["sh", "-c"]',
    "  args:",
    `    - 'trap "exit 0" TERM; while :; do sleep 1; done'`,
    "  stopGracePeriod: 2s",
    ...extra,
    "",
  ].join("\n");
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs `berth <args>` as its own process, without blocking this one (a client may be sending meanwhile). */
export function berth(args: readonly string[]): Promise<CliRun> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", berthMain, ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0 }));
  });
}

/**
 * A fleet repository in a local git folder, with its own owner label, state
 * folder and operator config (the bed's proxy image: the official one is not
 * reachable here).
 */
export class TrafficRepo {
  readonly owner: string;
  readonly work = mkdtempSync(path.join(os.tmpdir(), "berth-traffic-"));
  readonly dir = path.join(this.work, "repo");
  readonly stateDir = path.join(this.work, "state");
  readonly configFile = path.join(this.work, "operator.yaml");
  /** Every apply's output, for a failing test to show. */
  log = "";

  /** The owner label is `<prefix>-<name>-<pid>-<time>`; the prefix is `test` unless given (a benchmark's own). */
  constructor(
    private readonly bed: BedLayout,
    name: string,
    prefix = "test",
  ) {
    this.owner = `${prefix}-${name}-${process.pid}-${Date.now()}`;
    mkdirSync(this.dir);
    writeFileSync(this.configFile, `apiVersion: berth/v1\nkind: OperatorConfig\ntraffic:\n  proxyImage: ${PROXY_IMAGE}\n`);
    this.git("init", "-q", "-b", "main");
  }

  private git(...args: string[]): string {
    return execFileSync("git", ["-c", "user.name=Dana Deployer", "-c", "user.email=dana@example.invalid", ...args], { cwd: this.dir, encoding: "utf8" }).trim();
  }

  /** Writes `files` (null removes one), commits them, and returns the commit's sha. */
  commit(files: Readonly<Record<string, string | null>>, message: string): string {
    for (const [p, content] of Object.entries(files)) {
      const file = path.join(this.dir, p);
      if (content === null) rmSync(file, { force: true });
      else {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
    }
    this.git("add", "-A");
    this.git("commit", "-q", "--allow-empty", "-m", message);
    return this.git("rev-parse", "HEAD");
  }

  /** `berth apply` of the repository's HEAD; throws with its output unless it converged (exit 0). */
  async apply(): Promise<CliRun> {
    const r = await berth(["apply", "--repo", this.dir, "--owner", this.owner, "--state-dir", this.stateDir, "--config", this.configFile, "--yes"]);
    this.log += `=== apply (exit ${r.code}, ${r.ms} ms)\n${r.stdout}${r.stderr}`;
    if (r.code !== 0) throw new Error(`berth apply exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /** Removes the owner's containers on every engine (one that is down keeps none of the others'), and the folder. */
  async cleanup(): Promise<void> {
    await Promise.allSettled(this.bed.hosts.map((h) => removeOwnerContainers({ ...this.bed, hosts: [h] }, this.owner)));
    rmSync(this.work, { recursive: true, force: true });
  }
}

/** One main container of a service, as its engine lists it. */
export interface Replica {
  readonly host: BedHost;
  readonly id: string;
  readonly state: string;
  readonly image: string;
  /** The engine-assigned host port of container port 8080, when it publishes one. */
  readonly port?: number;
}

/** Every main container of `service` under `owner`, on the bed's engines but those in `skip`, by host then creation. */
export async function replicas(bed: BedLayout, owner: string, service: string, skip: readonly string[] = []): Promise<Replica[]> {
  const per = await Promise.all(
    bed.hosts
      .filter((h) => !skip.includes(h.name))
      .map(async (h) => {
        const list: Docker.ContainerInfo[] = await engineClient(h).listContainers({ all: true, filters: { label: [`berth.owner=${owner}`, `berth.service=${service}`, "berth.container=main"] } });
        return list
          .sort((a, b) => a.Created - b.Created)
          .map((c): Replica => {
            const p = c.Ports.find((x) => x.PrivatePort === 8080 && x.PublicPort);
            return { host: h, id: c.Id, state: c.State, image: c.Image, ...(p ? { port: p.PublicPort } : {}) };
          });
      }),
  );
  return per.flat();
}

/** One GET with one new connection; resolves with the status and body, rejects on any error. */
export function getOnce(url: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

/** What the test app answers: `app <version> host=<container hostname>`. */
export function parseAnswer(body: string): { version: string; hostname: string } | undefined {
  const m = /^app (\S+) host=(\S+)\s*$/.exec(body);
  return m ? { version: m[1]!, hostname: m[2]! } : undefined;
}

/** The hostname a running replica answers with, asked on its own published port (no proxy). */
export async function hostnameOf(r: Replica): Promise<string> {
  if (r.port === undefined) throw new Error(`replica ${r.id.slice(0, 12)} on ${r.host.name} publishes no port for 8080`);
  const a = parseAnswer((await getOnce(`http://${r.host.ip}:${r.port}/`)).body);
  if (!a) throw new Error(`replica ${r.id.slice(0, 12)} on ${r.host.name} gave no app answer`);
  return a.hostname;
}

export interface Answer {
  /** When it came back, ms since the client started. */
  readonly at: number;
  readonly url: string;
  readonly version: string;
  readonly hostname: string;
  readonly ms: number;
}

export interface Failure {
  /** When it was sent and when it failed, ms since the client started. */
  readonly sent: number;
  readonly at: number;
  readonly url: string;
  readonly what: string;
}

/** What a client saw. */
export interface ClientResult {
  readonly ok: number;
  readonly failed: number;
  readonly elapsedMs: number;
  readonly answers: readonly Answer[];
  readonly failures: readonly Failure[];
  /** Count of answers by version and by hostname. */
  readonly versions: Readonly<Record<string, number>>;
  readonly hostnames: Readonly<Record<string, number>>;
}

/**
 * A client with no retries, as DESIGN §6 measures "zero failed requests": a
 * new connection for every request (`agent: false`), `concurrency` loops per
 * URL sending as fast as each answer comes back, until `stop()`. A request
 * fails on a connection error, a timeout, a status other than 200, or a body
 * that is not the app's answer.
 */
export class NoRetryClient {
  /** When it started, as epoch ms: `at` and `sent` are counted from here, so they can be read next to other logs. */
  readonly startedAt = Date.now();
  private readonly t0 = performance.now();
  private running = true;
  private readonly answers: Answer[] = [];
  private readonly failures: Failure[] = [];
  private readonly loops: Promise<void>[];

  constructor(urls: readonly string[], concurrency: number, timeoutMs = 5000) {
    this.loops = urls.flatMap((url) => Array.from({ length: concurrency }, () => this.loop(url, timeoutMs)));
  }

  /** ms since the client started. */
  now(): number {
    return performance.now() - this.t0;
  }

  private async loop(url: string, timeoutMs: number): Promise<void> {
    while (this.running) {
      const s = performance.now();
      const sent = this.now();
      try {
        const r = await getOnce(url, timeoutMs);
        const a = parseAnswer(r.body);
        if (r.status === 200 && a) this.answers.push({ at: this.now(), url, ...a, ms: performance.now() - s });
        else this.failures.push({ sent, at: this.now(), url, what: `status ${r.status}: ${JSON.stringify(r.body.slice(0, 60))}` });
      } catch (err) {
        this.failures.push({ sent, at: this.now(), url, what: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
      }
    }
  }

  /** The answers so far (the client keeps sending). */
  get sofar(): readonly Answer[] {
    return this.answers;
  }

  async stop(): Promise<ClientResult> {
    this.running = false;
    await Promise.all(this.loops);
    const count = (key: (a: Answer) => string) => this.answers.reduce<Record<string, number>>((m, a) => ((m[key(a)] = (m[key(a)] ?? 0) + 1), m), {});
    return { ok: this.answers.length, failed: this.failures.length, elapsedMs: this.now(), answers: this.answers, failures: this.failures, versions: count((a) => a.version), hostnames: count((a) => a.hostname) };
  }
}

/** The failures grouped by what went wrong, and the first few with their times, for an assertion message. */
export function describeFailures(failures: readonly Failure[]): string {
  const by = failures.reduce<Record<string, number>>((m, f) => ((m[f.what] = (m[f.what] ?? 0) + 1), m), {});
  return `${JSON.stringify(by)}; first: ${JSON.stringify(failures.slice(0, 5).map((f) => ({ sent: Math.round(f.sent), at: Math.round(f.at), url: f.url, what: f.what })))}`;
}
