/**
 * The large-commit trial (issue 11), for its integration test and its
 * benchmark: a real `berth run` process follows a private repository on the
 * bed's git server; a 20 MB commit is pushed while /healthz is asked every
 * 20 ms, until the daemon has applied it. One procedure, so the test's
 * assertion and the benchmark's figures are about the same thing.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { removeOwnerContainers } from "./bed.ts";
import { hostsYaml, serviceYaml } from "./fleet-dir.ts";
import { largeCommitFiles } from "./large-commit-files.ts";
import { gitCredentials } from "../../testbed/git-http.ts";
import { repoRoot, type BedLayout } from "../../testbed/layout.ts";
import type { DaemonStatus } from "../../reconciler/loop/status.ts";

/** How often /healthz is asked. */
export const SAMPLE_MS = 20;

export interface LargeCommitFigures {
  readonly bytes: number;
  /** Services in the large commit. */
  readonly services: number;
  /** From the push until the daemon logged the commit as loaded (fetch, read, parse, validate). */
  readonly loadedMs: number;
  /** From the push until /status showed the commit applied. */
  readonly appliedMs: number;
  /** /healthz latencies, sorted, of the slots that fell due before the load ended. */
  readonly duringLoad: readonly number[];
  /** The same from then until the commit was applied (planning over every service, status). */
  readonly afterLoad: readonly number[];
  /** /status once the commit was applied. */
  readonly applied: DaemonStatus;
}

/** A plain GET, on a connection of its own (a kept-alive one can be closed by the server as the request goes out). */
function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: HTTP ${res.statusCode}`))));
      })
      .on("error", reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The `p`th percentile of `sorted` (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** `p50 1.4 ms, p99 25.4 ms, max 92.2 ms (1243 samples)` */
export function latencyFigures(sorted: readonly number[]): string {
  return `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms (${sorted.length} samples)`;
}

export class LargeCommitTrial {
  private daemon: ChildProcess | undefined;
  private listen = "";
  private log = "";

  private constructor(
    private readonly bed: BedLayout,
    private readonly owner: string,
    private readonly work: string,
    private readonly bare: string,
    private readonly url: string,
  ) {}

  /** A fresh repository on the bed's git server; `close()` removes it and what the trial started. */
  static create(bed: BedLayout, owner: string): LargeCommitTrial {
    const work = mkdtempSync(path.join(os.tmpdir(), "berth-large-"));
    const name = `private/${owner}.git`;
    const bare = path.join(bed.git.reposDir, name);
    rmSync(bare, { recursive: true, force: true });
    execFileSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
    const trial = new LargeCommitTrial(bed, owner, work, bare, `${bed.git.url}/${name}`);
    mkdirSync(trial.src);
    execFileSync("git", ["init", "-q", "-b", "main", trial.src]);
    trial.git("remote", "add", "origin", bare);
    return trial;
  }

  private get src(): string {
    return path.join(this.work, "src");
  }

  private git(...args: string[]): string {
    return execFileSync("git", ["-c", "user.name=Dana Deployer", "-c", "user.email=dana@example.invalid", ...args], { cwd: this.src, encoding: "utf8" }).trim();
  }

  private push(files: Readonly<Record<string, string>>, message: string): string {
    for (const [p, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(this.src, p)), { recursive: true });
      writeFileSync(path.join(this.src, p), content);
    }
    this.git("add", "-A");
    this.git("commit", "-q", "-m", message);
    this.git("push", "-q", "origin", "main");
    return this.git("rev-parse", "HEAD");
  }

  private async status(): Promise<DaemonStatus> {
    return JSON.parse(await get(`http://${this.listen}/status`)) as DaemonStatus;
  }

  private async until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the daemon's log ends:\n${this.log.slice(-2000)}`);
      await sleep(everyMs);
    }
  }

  /** Starts `berth run` on a small first commit (the bed's hosts and a service scaled to 0) and waits until it is applied. */
  async start(): Promise<void> {
    const first = this.push({ "hosts.yaml": hostsYaml(this.bed), "parked.yaml": serviceYaml({ name: "parked", replicas: 0 }) }, "hosts");
    const [cred] = gitCredentials(this.bed.git);
    const env = { BERTH_GIT_USERNAME: cred!.username, BERTH_GIT_TOKEN: cred!.token, BERTH_STATE_DIR: path.join(this.work, "state"), NO_COLOR: "1" };
    const args = ["--import", "tsx", path.join(repoRoot, "reconciler/cli/main.ts"), "run", "--repo", this.url, "--owner", this.owner, "--listen", "127.0.0.1:0", "--interval", "1s", "--resync", "5m"];
    const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    this.daemon = child;
    this.listen = await new Promise<string>((resolve, reject) => {
      child.stderr!.on("data", (c: Buffer) => {
        this.log += c.toString();
        const m = /"listen":"([^"]+)"/.exec(this.log);
        if (m) resolve(m[1]!);
      });
      child.once("exit", (code) => reject(new Error(`berth run exited (${code}) before listening:\n${this.log}`)));
    });
    await this.until("the first commit applied", async () => ((await this.status()).source.commitApplied === first ? true : undefined), 60_000, 200);
  }

  /** Pushes the large commit of `files` files and measures /healthz until the daemon has applied it. */
  async measure(files: number): Promise<LargeCommitFigures> {
    const content = largeCommitFiles({ files, replicas: 0 });
    const bytes = Object.values(content).reduce((n, f) => n + Buffer.byteLength(f), 0);
    const services = Object.values(content).reduce((n, f) => n + f.split("\nkind: Service\n").length - 1, 0);
    const pushedAt = performance.now();
    const sha = this.push(content, `${files} teams' services`);
    // One request at a time, each 20 ms slot's latency counted from when it
    // fell due: what a client asking every 20 ms would see. (Counted from
    // when the previous answer let it go, a loop held for 17 s would be one
    // slow sample among hundreds.)
    const samples: { at: number; ms: number }[] = [];
    let sampling = true;
    const sampler = (async () => {
      let due = performance.now();
      while (sampling) {
        await get(`http://${this.listen}/healthz`);
        const done = performance.now();
        for (; due <= done; due += SAMPLE_MS) samples.push({ at: due, ms: done - due });
        await sleep(due - done);
      }
    })();
    let applied: DaemonStatus;
    try {
      applied = await this.until("the large commit applied", async () => {
        const s = await this.status();
        return s.source.commitApplied === sha ? s : undefined;
      }, 150_000, 500);
    } finally {
      sampling = false;
      await sampler;
    }
    const appliedAt = performance.now();
    // The load is over when the daemon logs the new commit, right after loading it; its clock is this machine's.
    const logged = this.log.split("\n").flatMap((l) => (l.includes(sha) && l.includes('"new commit"') ? [JSON.parse(l) as { time: number }] : []));
    if (logged.length !== 1) throw new Error(`berth run logged the new commit ${logged.length} times, not once:\n${this.log.slice(-2000)}`);
    const loadedAt = logged[0]!.time - performance.timeOrigin;
    const sorted = (list: { ms: number }[]) => list.map((s) => s.ms).sort((a, b) => a - b);
    return {
      bytes,
      services,
      loadedMs: loadedAt - pushedAt,
      appliedMs: appliedAt - pushedAt,
      // Asked before the load ended: an answer held by what followed still counts here.
      duringLoad: sorted(samples.filter((s) => s.at < loadedAt)),
      afterLoad: sorted(samples.filter((s) => s.at >= loadedAt)),
      applied,
    };
  }

  /** Stops the daemon and removes the repository, the containers of `owner` and the work folder. */
  async close(): Promise<void> {
    const d = this.daemon;
    if (d && d.exitCode === null && d.signalCode === null) {
      const exited = new Promise((r) => d.once("exit", r));
      d.kill("SIGKILL");
      await exited;
    }
    await removeOwnerContainers(this.bed, this.owner);
    rmSync(this.work, { recursive: true, force: true });
    rmSync(this.bare, { recursive: true, force: true });
  }
}
