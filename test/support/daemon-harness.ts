/**
 * A real `berth run` process for integration tests: a private repository on
 * the bed's git server that the test pushes commits to, the daemon following
 * it, and the reads a test needs — `/status`, the deployment journal, and the
 * containers of one service on the bed's engines. `DaemonProcess` alone is
 * the process, for a test that follows a repository of its own.
 *
 * For leader election (issue 14) the harness starts further instances on
 * the same repository and owner (`instance`), each with a state folder of
 * its own, runs one-shot commands (`berth`), and reads and removes the
 * owner's keys in etcd (`etcdJournal`, `etcdKeys`, `removeEtcdKeys`).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { Etcd3 } from "etcd3";
import { removeOwnerContainers } from "./bed.ts";
import { engineClient } from "../../testbed/engines.ts";
import { gitCredentials } from "../../testbed/git-http.ts";
import { repoRoot, type BedHost, type BedLayout } from "../../testbed/layout.ts";
import type { DaemonStatus } from "../../reconciler/loop/status.ts";
import { readJournal } from "../../reconciler/record/journal-file.ts";

const berthMain = path.join(repoRoot, "reconciler/cli/main.ts");

/** One container of a service, with the bed host it runs on. */
export type HostedContainer = Docker.ContainerInfo & { readonly host: BedHost };

/** A journal line as read back; `result` is a plain string so tests can name results the type does not list yet. */
export interface JournalLine {
  readonly at: string;
  readonly commit: string;
  readonly trigger: string;
  readonly result: string;
  readonly services: readonly { readonly name: string; readonly result: string; readonly reason?: string; readonly code?: string }[];
  readonly reason?: string;
  /** How long the pass took: it began `ms` before `at`. */
  readonly ms: number;
}

/** A plain GET with a 1 s timeout; rejects on a connection error. */
export function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { timeout: 1000 }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve(body));
      })
      .on("timeout", function (this: http.ClientRequest) {
        this.destroy(new Error(`GET ${url} timed out`));
      })
      .on("error", reject);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface UntilOptions {
  /** How long to wait between two probes: 150 ms unless given. */
  readonly everyMs?: number;
}

/** Polls `probe` until it returns a value; a thrown error is kept for the timeout message. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, opts: UntilOptions = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await sleep(opts.everyMs ?? 150);
  }
}

/**
 * One `berth run` process, started as it is constructed. It reads its
 * address from its own log: a daemon started again listens on a new port,
 * and the harness's log still holds the old one.
 */
export class DaemonProcess {
  /** Its stderr so far (JSON log lines). */
  log = "";
  /** The address it listens on, once `listening` has resolved. */
  listen = "";
  /** Resolves with the address once the daemon has logged it; rejects if it exits first. */
  readonly listening: Promise<string>;
  /** Resolves with its exit code (null when killed by a signal) once it has exited. */
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  /** Spawns `berth run <args>` with `env` over this process's environment. */
  constructor(args: readonly string[], env: NodeJS.ProcessEnv) {
    const child = spawn(process.execPath, ["--import", "tsx", berthMain, "run", ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    this.listening = new Promise<string>((resolve, reject) => {
      child.stderr!.on("data", (c: Buffer) => {
        this.log += c.toString();
        const m = this.listen ? null : /"listen":"([^"]+)"/.exec(this.log);
        if (m) {
          this.listen = m[1]!;
          resolve(this.listen);
        }
      });
      child.once("exit", (code) => reject(new Error(`daemon exited (${code}) before listening:\n${this.log}`)));
    });
    // A run that is meant to be refused is awaited through `exited`: its `listening` rejecting is not unhandled.
    this.listening.catch(() => undefined);
  }

  /** Its process id (the lock file and refusals name it). */
  get pid(): number {
    return this.child.pid!;
  }

  /** Whether it still runs. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async status(): Promise<DaemonStatus> {
    return JSON.parse(await get(`http://${this.listen}/status`)) as DaemonStatus;
  }

  /** Stops the daemon with `signal`; resolves with its exit code (null when killed). */
  stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    const d = this.child;
    return new Promise((resolve) => {
      if (d.exitCode !== null || d.signalCode !== null) return resolve(d.exitCode);
      d.once("exit", (code) => resolve(code));
      d.kill(signal);
    });
  }
}

export interface DaemonHarnessOptions {
  /** Names the repository and the state folder; the owner label is made unique from it. */
  readonly name: string;
  /** The owner label, when the caller names it: `test-<name>-<pid>-<time>` otherwise. */
  readonly owner?: string;
  readonly interval?: string;
  readonly resync?: string;
  /** More environment for the daemon (and `history`), over the git credentials and state folder. */
  readonly env?: Readonly<Record<string, string>>;
  /** More `berth run` flags (e.g. `--lock etcd://…`), for `start` and every `instance`. */
  readonly args?: readonly string[];
}

/** A further `berth run` of the harness's repository and owner. */
export interface InstanceOptions {
  /** More `berth run` flags, after the harness's own and `--instance`. */
  readonly args?: readonly string[];
  /** Its state folder: `<work>/state-<name>` unless given (another instance's folder, for a run that must be refused). */
  readonly stateDir?: string;
}

/** What a one-shot `berth` command did. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ConvergedOptions extends UntilOptions {
  /** The service whose every replica must be ready and healthy. */
  readonly service: string;
  readonly replicas: number;
  readonly timeoutMs: number;
  /** The instance whose `/status` is asked: the harness's own daemon unless given. */
  readonly daemon?: { status(): Promise<DaemonStatus> };
}

/** `etcd://host:port[,…]` (as `--lock` takes it) as the etcd client's endpoints. */
function etcdHosts(lock: string): string[] {
  return lock.replace(/^etcd:\/\//, "").split(",").map((hp) => `http://${hp.trim()}`);
}

export class DaemonHarness {
  readonly owner: string;
  readonly work: string;
  readonly stateDir: string;
  url = "";
  private daemon: DaemonProcess | undefined;
  /** Instances started with `instance`, killed by `cleanup`. */
  private readonly instances: DaemonProcess[] = [];
  /** The logs of the daemons stopped before the one running now. */
  private earlierLogs = "";
  private bare = "";
  private env: NodeJS.ProcessEnv = {};

  constructor(
    private readonly bed: BedLayout,
    private readonly opts: DaemonHarnessOptions,
  ) {
    this.owner = opts.owner ?? `test-${opts.name}-${process.pid}-${Date.now()}`;
    this.work = mkdtempSync(path.join(os.tmpdir(), `berth-${opts.name}-`));
    this.stateDir = path.join(this.work, "state");
  }

  /** Where the running daemon listens ("" before the first start). */
  get listen(): string {
    return this.daemon?.listen ?? "";
  }

  /** The stderr (JSON log lines) of every daemon this harness started, for a failing test to show. */
  get log(): string {
    return this.earlierLogs + (this.daemon?.log ?? "");
  }

  /** `berth run`'s flags for this repository and owner. */
  private runArgs(): string[] {
    return ["--repo", this.url, "--owner", this.owner, "--listen", "127.0.0.1:0", "--interval", this.opts.interval ?? "1s", "--resync", this.opts.resync ?? "5m", ...(this.opts.args ?? [])];
  }

  private get src(): string {
    return path.join(this.work, "src");
  }

  private git(...args: string[]): string {
    return execFileSync("git", ["-c", "user.name=Dana Deployer", "-c", "user.email=dana@example.invalid", ...args], { cwd: this.src, encoding: "utf8" }).trim();
  }

  /** Creates the private repository on the bed's git server and a clone to push from. */
  init(): void {
    const name = `private/${this.opts.name}-${process.pid}-${Date.now()}.git`;
    this.bare = path.join(this.bed.git.reposDir, name);
    execFileSync("git", ["init", "-q", "--bare", "-b", "main", this.bare]);
    mkdirSync(this.src);
    execFileSync("git", ["init", "-q", "-b", "main", this.src]);
    this.git("remote", "add", "origin", this.bare);
    this.url = `${this.bed.git.url}/${name}`;
    const [cred] = gitCredentials(this.bed.git);
    this.env = { BERTH_GIT_USERNAME: cred!.username, BERTH_GIT_TOKEN: cred!.token, BERTH_STATE_DIR: this.stateDir, NO_COLOR: "1", ...this.opts.env };
  }

  /** Writes `files` (a path may name folders), commits and pushes them; returns the new commit's sha. */
  push(files: Readonly<Record<string, string>>, message: string): string {
    for (const [p, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(this.src, p)), { recursive: true });
      writeFileSync(path.join(this.src, p), content);
    }
    this.git("add", "-A");
    this.git("commit", "-q", "-m", message);
    this.git("push", "-q", "origin", "main");
    return this.git("rev-parse", "HEAD");
  }

  /** Pushes `git revert` of the last commit; returns the new commit's sha. */
  revert(): string {
    this.git("revert", "--no-edit", "HEAD");
    this.git("push", "-q", "origin", "main");
    return this.git("rev-parse", "HEAD");
  }

  /** The commit the repository's main branch points to. */
  head(): string {
    return execFileSync("git", ["--git-dir", this.bare, "rev-parse", "main"], { encoding: "utf8" }).trim();
  }

  /** Starts `berth run` and resolves once it listens; after `stop`, starts it again on the same state. */
  async start(): Promise<void> {
    this.earlierLogs = this.log;
    this.daemon = new DaemonProcess(this.runArgs(), this.env);
    await this.daemon.listening;
  }

  /**
   * Starts another `berth run` of this repository and owner, named `name`
   * (`--instance name`), with a state folder of its own unless told; does
   * not wait for it to listen (await `listening`). `cleanup` kills it.
   */
  instance(name: string, opts: InstanceOptions = {}): DaemonProcess {
    const d = new DaemonProcess([...this.runArgs(), "--instance", name, ...(opts.args ?? [])], { ...this.env, BERTH_STATE_DIR: opts.stateDir ?? path.join(this.work, `state-${name}`) });
    this.instances.push(d);
    return d;
  }

  /** Runs `berth <args>` with the daemon's environment (`stateDir` over its state folder); resolves with its exit code and output. */
  berth(args: readonly string[], opts: { stateDir?: string } = {}): Promise<CommandResult> {
    const env = { ...process.env, ...this.env, ...(opts.stateDir ? { BERTH_STATE_DIR: opts.stateDir } : {}) };
    return new Promise((resolve) => {
      execFile(process.execPath, ["--import", "tsx", berthMain, ...args], { cwd: repoRoot, env, encoding: "utf8" }, (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Where this owner's keys live in etcd: `/berth/v1/<sha256(owner)[:16]>/`, as DESIGN §8 lays them out. */
  get etcdPrefix(): string {
    return `/berth/v1/${createHash("sha256").update(this.owner).digest("hex").slice(0, 16)}/`;
  }

  /** The journal the owner's instances keep in etcd with `--lock` (keys under `<prefix>journal/`), oldest first; `commit` narrows it. */
  async etcdJournal(lock: string, commit?: string): Promise<JournalLine[]> {
    const values = await this.etcdKeys(lock, "journal/");
    const lines = Object.values(values)
      .map((v) => JSON.parse(v) as JournalLine)
      .sort((a, b) => a.at.localeCompare(b.at));
    return commit ? lines.filter((l) => l.commit === commit) : lines;
  }

  /** This owner's keys in etcd (leader, record, journal, job runs; `under` narrows them), with their values. */
  async etcdKeys(lock: string, under = ""): Promise<Record<string, string>> {
    const client = new Etcd3({ hosts: etcdHosts(lock) });
    try {
      return await client.getAll().prefix(`${this.etcdPrefix}${under}`).strings();
    } finally {
      client.close();
    }
  }

  /** Deletes every key of this owner in etcd (test clean-up). */
  async removeEtcdKeys(lock: string): Promise<void> {
    const client = new Etcd3({ hosts: etcdHosts(lock) });
    try {
      await client.delete().prefix(this.etcdPrefix);
    } finally {
      client.close();
    }
  }

  /** Stops the daemon with `signal`; resolves with its exit code (null when killed). */
  stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    return this.daemon?.stop(signal) ?? Promise.resolve(null);
  }

  async status(): Promise<DaemonStatus> {
    return JSON.parse(await get(`http://${this.listen}/status`)) as DaemonStatus;
  }

  /** Resolves with the first `/status` in which `sha` is applied and `service` has all its replicas ready and healthy. */
  converged(sha: string, opts: ConvergedOptions): Promise<DaemonStatus> {
    const { service, replicas } = opts;
    const daemon = opts.daemon ?? this;
    return until(
      `commit ${sha.slice(0, 8)} applied and ${service} ${replicas}/${replicas} ready`,
      async () => {
        const s = await daemon.status();
        const svc = s.services.find((x) => x.name === service);
        return s.source.commitApplied === sha && svc?.ready === replicas && svc.health === "healthy" ? s : undefined;
      },
      opts.timeoutMs,
      opts,
    );
  }

  /** What `berth history` prints for this owner, run with the daemon's environment. */
  history(): string {
    return execFileSync(process.execPath, ["--import", "tsx", berthMain, "history", "--owner", this.owner], { cwd: repoRoot, env: { ...process.env, ...this.env }, encoding: "utf8" });
  }

  /** The journal lines of this owner, oldest first (`commit` narrows them to one commit). */
  journal(commit?: string): JournalLine[] {
    const lines = readJournal(this.stateDir, this.owner) as readonly JournalLine[];
    return commit ? lines.filter((l) => l.commit === commit) : [...lines];
  }

  /** Every main container of `service`, on every bed engine but those named in `skip` (a stopped engine, say). */
  async mains(service: string, skip: readonly string[] = []): Promise<HostedContainer[]> {
    const per = await Promise.all(
      this.bed.hosts
        .filter((h) => !skip.includes(h.name))
        .map(async (h) => {
          const list = await engineClient(h).listContainers({ all: true, filters: { label: [`berth.owner=${this.owner}`, `berth.service=${service}`, "berth.container=main"] } });
          return list.map((c): HostedContainer => ({ ...c, host: h }));
        }),
    );
    return per.flat().sort((a, b) => a.host.name.localeCompare(b.host.name) || a.Created - b.Created);
  }

  /** What a running container answers on its published 8080: `app <version> host=<hostname>`. */
  async answer(c: HostedContainer): Promise<string> {
    const port = c.Ports.find((p) => p.PrivatePort === 8080 && p.PublicPort);
    if (!port) throw new Error(`container ${c.Id.slice(0, 12)} on ${c.host.name} publishes no port for 8080`);
    return (await get(`http://${c.host.ip}:${port.PublicPort}/`)).trim();
  }

  /** The last `n` log lines of the daemon, for a failing test's output. */
  logTail(n = 25): string {
    return this.log.trimEnd().split("\n").slice(-n).join("\n");
  }

  /**
   * Kills the daemon and every instance, removes its containers (each engine on its own: one
   * that is down does not keep the others'), the repository and the work
   * folder. With BERTH_TEST_DAEMON_LOG set to a file, the daemon's log is
   * appended to it first, for reading a slow or failed run afterwards.
   */
  async cleanup(): Promise<void> {
    await Promise.all([this.stop("SIGKILL"), ...this.instances.map((d) => d.stop("SIGKILL"))]);
    const keep = process.env.BERTH_TEST_DAEMON_LOG;
    if (keep) appendFileSync(keep, `=== ${this.owner}\n${this.log}${this.instances.map((d) => d.log).join("")}`);
    await Promise.allSettled(this.bed.hosts.map((h) => removeOwnerContainers({ ...this.bed, hosts: [h] }, this.owner)));
    if (this.bare) rmSync(this.bare, { recursive: true, force: true });
    rmSync(this.work, { recursive: true, force: true });
  }
}
