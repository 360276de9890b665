/**
 * Worker threads that parse YAML in parallel. Parsing is most of the cost
 * of loading a large repository (the `yaml` package reads about 3 MiB/s per
 * core), and it is pure per file, so it spreads over cores cleanly. The
 * calling thread only hands out files and gathers results: measured on two
 * cores, that beat having it parse a share too (its collections are slower
 * than the workers', which get a larger young generation).
 *
 * Create one pool per process (the daemon keeps it for its lifetime) and
 * `close()` it when done; idle workers do not keep the process alive.
 */
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { withPositions, type ParsedFile, type PlainParsedFile } from "./parse-yaml.ts";
import type { ParseRequest, ParseResponse } from "./parse-worker.ts";
import type { SourceFile } from "./source.ts";
import { ParseWorkerError } from "./errors.ts";
import { startWorker } from "./start-worker.ts";

interface Pending {
  resolve(results: readonly PlainParsedFile[]): void;
  reject(err: Error): void;
}

export class YamlParsePool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  /** Workers that have exited (crashed or terminated): nothing is sent to them. */
  private readonly exited = new Set<Worker>();
  private nextId = 1;

  /** @param workers how many threads parse (default: one per core). */
  constructor(workers = Math.max(1, availableParallelism())) {
    this.workers = Array.from({ length: workers }, () => {
      // Parsing allocates many short-lived objects; a larger young generation means fewer collections. 32 MiB
      // loads as fast as 64 (bench:load, 785–891 ms against 816–826) and keeps the two workers' peak
      // during a 10,000-host load at about 250 MiB of the process' RSS instead of 309.
      const worker = startWorker("parse-worker", { maxYoungGenerationSizeMb: 32 });
      worker.unref();
      worker.on("message", (response: ParseResponse) => {
        const p = this.pending.get(response.id);
        if (p === undefined) return;
        this.pending.delete(response.id);
        if ("error" in response) p.reject(new ParseWorkerError({ detail: response.error }));
        else p.resolve(response.results);
      });
      worker.on("error", (err) => {
        for (const p of this.pending.values()) p.reject(new ParseWorkerError({ detail: err.message }));
        this.pending.clear();
      });
      worker.on("exit", () => this.exited.add(worker));
      return worker;
    });
  }

  /** Parses `files`, returning results in the same order as `parseYamlFile` would one by one. */
  async parseFiles(files: readonly SourceFile[], maxBytes: number): Promise<ParsedFile[]> {
    const shares = splitBySize(files, this.workers.length);
    const answered = await Promise.all(shares.map((share, i) => this.send(this.workers[i] as Worker, share.map((s) => s.file), maxBytes)));
    const results = new Array<ParsedFile>(files.length);
    shares.forEach((share, i) => {
      share.forEach((s, j) => {
        results[s.at] = withPositions(s.file, answered[i]?.[j] as PlainParsedFile, maxBytes);
      });
    });
    return results;
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private send(worker: Worker, files: SourceFile[], maxBytes: number): Promise<readonly PlainParsedFile[]> {
    if (files.length === 0) return Promise.resolve([]);
    if (this.exited.has(worker)) return Promise.reject(new ParseWorkerError({ detail: "the worker has exited (the pool was closed, or a worker crashed earlier)" }));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref(); // keep the process alive while an answer is due
      const request: ParseRequest = { id, files, maxBytes };
      worker.postMessage(request);
    }).finally(() => worker.unref()) as Promise<readonly PlainParsedFile[]>;
  }
}

/** Deals files into `n` shares of about equal size, largest first; keeps each file's original position. */
function splitBySize(files: readonly SourceFile[], n: number): { file: SourceFile; at: number }[][] {
  const shares = Array.from({ length: n }, () => ({ bytes: 0, items: [] as { file: SourceFile; at: number }[] }));
  const order = files.map((file, at) => ({ file, at })).sort((a, b) => b.file.content.length - a.file.content.length);
  for (const item of order) {
    let smallest = shares[0];
    for (const s of shares) if (smallest === undefined || s.bytes < smallest.bytes) smallest = s;
    smallest?.items.push(item);
    if (smallest !== undefined) smallest.bytes += item.file.content.length;
  }
  return shares.map((s) => s.items);
}
