/**
 * The large-commit trial (issue 11), for its integration test and its
 * benchmark: a real `berth run` process follows a private repository on the
 * bed's git server; a 20 MB commit is pushed while /healthz is asked every
 * 20 ms, until the daemon has applied it. One procedure, so the test's
 * assertion and the benchmark's figures are about the same thing.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import { DaemonHarness, sleep, until } from "./daemon-harness.ts";
import { hostsYaml, serviceYaml } from "./fleet-dir.ts";
import { largeCommitFiles } from "./large-commit-files.ts";
import type { BedLayout } from "../../testbed/layout.ts";
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

/**
 * Asks /healthz once, on a connection of its own (a kept-alive one can be
 * closed by the server as the request goes out). Not the harness's `get`:
 * that one gives up after 1 s, and here a slow answer is the figure.
 */
function askHealthz(listen: string): Promise<void> {
  const url = `http://${listen}/healthz`;
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`GET ${url}: HTTP ${res.statusCode}`))));
      })
      .on("error", reject);
  });
}

/** The `p`th percentile of `sorted` (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** `p50 1.4 ms, p99 25.4 ms, max 92.2 ms (1243 samples)` */
export function latencyFigures(sorted: readonly number[]): string {
  return `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms (${sorted.length} samples)`;
}

export class LargeCommitTrial {
  private constructor(
    private readonly bed: BedLayout,
    private readonly d: DaemonHarness,
  ) {}

  /** A fresh repository on the bed's git server; `close()` removes it and what the trial started. */
  static create(bed: BedLayout, owner: string): LargeCommitTrial {
    const d = new DaemonHarness(bed, { name: "large", owner, interval: "1s", resync: "5m" });
    d.init();
    return new LargeCommitTrial(bed, d);
  }

  /** `until`, with the end of the daemon's log in a timeout's message. */
  private async waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs: number): Promise<T> {
    try {
      return await until(what, probe, timeoutMs, { everyMs });
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}; the daemon's log ends:\n${this.d.log.slice(-2000)}`);
    }
  }

  /** Starts `berth run` on a small first commit (the bed's hosts and a service scaled to 0) and waits until it is applied. */
  async start(): Promise<void> {
    const first = this.d.push({ "hosts.yaml": hostsYaml(this.bed), "parked.yaml": serviceYaml({ name: "parked", replicas: 0 }) }, "hosts");
    await this.d.start();
    await this.waitFor("the first commit applied", async () => ((await this.d.status()).source.commitApplied === first ? true : undefined), 60_000, 200);
  }

  /** Pushes the large commit of `files` files and measures /healthz until the daemon has applied it. */
  async measure(files: number): Promise<LargeCommitFigures> {
    const content = largeCommitFiles({ files, replicas: 0 });
    const bytes = Object.values(content).reduce((n, f) => n + Buffer.byteLength(f), 0);
    const services = Object.values(content).reduce((n, f) => n + f.split("\nkind: Service\n").length - 1, 0);
    const pushedAt = performance.now();
    const sha = this.d.push(content, `${files} teams' services`);
    // One request at a time, each 20 ms slot's latency counted from when it
    // fell due: what a client asking every 20 ms would see. (Counted from
    // when the previous answer let it go, a loop held for 17 s would be one
    // slow sample among hundreds.)
    const samples: { at: number; ms: number }[] = [];
    let sampling = true;
    const sampler = (async () => {
      let due = performance.now();
      while (sampling) {
        await askHealthz(this.d.listen);
        const done = performance.now();
        for (; due <= done; due += SAMPLE_MS) samples.push({ at: due, ms: done - due });
        await sleep(due - done);
      }
    })();
    let applied: DaemonStatus;
    try {
      applied = await this.waitFor("the large commit applied", async () => {
        const s = await this.d.status();
        return s.source.commitApplied === sha ? s : undefined;
      }, 150_000, 500);
    } finally {
      sampling = false;
      await sampler;
    }
    const appliedAt = performance.now();
    // The load is over when the daemon logs the new commit, right after loading it; its clock is this machine's.
    const logged = this.d.log.split("\n").flatMap((l) => (l.includes(sha) && l.includes('"new commit"') ? [JSON.parse(l) as { time: string }] : []));
    if (logged.length !== 1) throw new Error(`berth run logged the new commit ${logged.length} times, not once:\n${this.d.log.slice(-2000)}`);
    // Log times are ISO-8601 with milliseconds (loop/logger.ts).
    const loadedAt = Date.parse(logged[0]!.time) - performance.timeOrigin;
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
    await this.d.cleanup();
  }
}
