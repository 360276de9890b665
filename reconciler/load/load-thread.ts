/**
 * Loads commits on a worker thread, so that the calling thread's event loop
 * stays free: the daemon keeps answering /healthz, engine events and
 * signals while a large commit is parsed and validated (issue 11: 20 files
 * of 1 MiB held the loop for seconds). The calling thread only sends the
 * files and receives the result, both in pieces small enough not to hold
 * the loop either (see load-result-parts.ts).
 *
 * One thread, started on the first load and kept for the process's
 * lifetime (the schemas are compiled once); a thread that died is replaced
 * at the next load. It does not keep the process alive while idle. It
 * parses on itself alone, leaving the other cores to the event loop:
 * parsing on every core too (as `berth validate` does) loaded the 20 MB
 * commit 30% sooner on two cores, but made the loop's slowest turns two
 * to three times as slow.
 */
import { realpathSync } from "node:fs";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Worker } from "node:worker_threads";
import { LoadThreadError } from "./errors.ts";
import type { FleetLoader } from "./fleet-loader.ts";
import type { LoadOptions, LoadResult } from "./load-fleet.ts";
import { joinParts, type ResultPart } from "./load-result-parts.ts";
import type { LoadRequest, LoadResponse, ThreadLoadOptions } from "./load-worker.ts";
import type { RepoSnapshot, SourceFile } from "./source.ts";
import { startWorker } from "./start-worker.ts";

/**
 * About how many bytes of file text go to the thread in one message. The
 * sending thread copies a message whole; 4 MiB of text copies in about
 * 3 ms, a 20 MB commit at once in 13–26 ms (measured).
 */
const SEND_BYTES = 4 * 1024 * 1024;

interface Waiting {
  resolve(answer: { part: ResultPart; last: boolean }): void;
  reject(err: Error): void;
}

export class LoadThread implements FleetLoader {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private closed = false;

  /** `loadFleet(snapshot, options)`, computed on the thread. */
  async load(snapshot: RepoSnapshot, options: LoadOptions = {}): Promise<LoadResult> {
    if (this.closed) throw new LoadThreadError({ detail: "it was closed" });
    // A function cannot cross to another thread: the thread follows symlinks
    // with the realpath berth's commands use, and refuses to quietly use it
    // in place of another.
    if (options.operator && options.operator.realpath !== realpathSync.native) {
      throw new LoadThreadError({ detail: "the operator rules follow symlinks with a function of their own, which cannot cross to the thread (it uses fs.realpathSync.native); load with loadFleet instead" });
    }
    const thread: ThreadLoadOptions = {
      ...(options.subPath !== undefined ? { subPath: options.subPath } : {}),
      ...(options.maxFileBytes !== undefined ? { maxFileBytes: options.maxFileBytes } : {}),
      ...(options.operator ? { operator: options.operator.config } : {}),
    };
    const worker = this.started();
    const id = this.nextId++;
    for (const files of batches(snapshot.files, SEND_BYTES)) {
      this.send(worker, { type: "files", id, files });
      await nextTurn();
    }
    const parts: ResultPart[] = [];
    // One part per message, each asked for once the one before is in: the
    // thread sending them all at once would have them deserialised in one go.
    let answer = await this.ask(worker, { type: "load", id, refused: snapshot.refused ?? [], options: thread });
    parts.push(answer.part);
    while (!answer.last) {
      answer = await this.ask(worker, { type: "next", id });
      parts.push(answer.part);
    }
    return joinParts(parts);
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.fail("it was closed before the load finished");
    await worker?.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    // Parsing allocates many short-lived objects; a larger young generation means fewer collections (as in parse-pool.ts).
    const worker = startWorker("load-worker", { maxYoungGenerationSizeMb: 32 });
    worker.unref();
    worker.on("message", (response: LoadResponse) => {
      const w = this.waiting.get(response.id);
      if (w === undefined) return;
      this.waiting.delete(response.id);
      if (this.waiting.size === 0) worker.unref();
      if ("error" in response) w.reject(new LoadThreadError({ detail: response.error }));
      else w.resolve(response);
    });
    const gone = (detail: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.fail(detail);
    };
    worker.on("error", (err) => gone(err.message));
    worker.on("exit", (code) => gone(`it exited (code ${code})`));
    this.worker = worker;
    return worker;
  }

  private send(worker: Worker, request: LoadRequest): void {
    if (this.worker !== worker) throw new LoadThreadError({ detail: "it exited during the load" });
    worker.postMessage(request);
  }

  private ask(worker: Worker, request: LoadRequest): Promise<{ part: ResultPart; last: boolean }> {
    return new Promise((resolve, reject) => {
      this.waiting.set(request.id, { resolve, reject });
      worker.ref(); // keep the process alive while an answer is due
      try {
        this.send(worker, request);
      } catch (err) {
        this.waiting.delete(request.id);
        reject(err as Error);
      }
    });
  }

  /** Rejects every load waiting for an answer. */
  private fail(detail: string): void {
    for (const w of this.waiting.values()) w.reject(new LoadThreadError({ detail }));
    this.waiting.clear();
  }
}

/** `files` in consecutive batches of about `bytes` of text. */
function batches(files: readonly SourceFile[], bytes: number): SourceFile[][] {
  const out: SourceFile[][] = [[]];
  let size = 0;
  for (const f of files) {
    const last = out[out.length - 1]!;
    if (last.length > 0 && size + f.content.length > bytes) {
      out.push([f]);
      size = f.content.length;
    } else {
      last.push(f);
      size += f.content.length;
    }
  }
  return out;
}
