/**
 * The worker thread of `LoadThread`: it gathers a snapshot's files, loads
 * them with `loadFleet` (parse, schema checks, normalising, templates,
 * cross-document checks: all of the loader's CPU), and hands the result back
 * one part at a time, each when the calling thread asks for it.
 */
import { realpathSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import type { OperatorConfig } from "../model/operator-config.ts";
import { loadFleet } from "./load-fleet.ts";
import { collectWhenIdle } from "./idle-collection.ts";
import { resultParts, type ResultPart } from "./load-result-parts.ts";
import type { RefusedFile, SourceFile } from "./source.ts";

/** `LoadOptions` as they cross to the thread: the operator's configuration without its function. */
export interface ThreadLoadOptions {
  readonly subPath?: string;
  readonly maxFileBytes?: number;
  readonly operator?: OperatorConfig;
}

export type LoadRequest =
  /** More files of load `id`; they come in several messages so that no one message takes long to send. */
  | { readonly type: "files"; readonly id: number; readonly files: readonly SourceFile[] }
  /** Load the files of `id`; the answer is the result's first part. */
  | { readonly type: "load"; readonly id: number; readonly refused: readonly RefusedFile[]; readonly options: ThreadLoadOptions }
  /** The next part of load `id`. */
  | { readonly type: "next"; readonly id: number };

export type LoadResponse = { readonly id: number; readonly part: ResultPart; readonly last: boolean } | { readonly id: number; readonly error: string };

interface Job {
  files: SourceFile[];
  parts?: ResultPart[];
  next: number;
}

const jobs = new Map<number, Job>();

function answer(id: number, job: Job): LoadResponse {
  const part = job.parts?.[job.next++];
  if (part === undefined) {
    jobs.delete(id);
    return { id, error: `no part ${job.next - 1} of load ${id}` };
  }
  const last = job.next === job.parts?.length;
  if (last) jobs.delete(id);
  // The thread may now be idle for hours: its load's garbage goes now, not at the next load.
  if (last && jobs.size === 0) collectWhenIdle();
  return { id, part, last };
}

parentPort?.on("message", (request: LoadRequest) => {
  const job = jobs.get(request.id) ?? { files: [], next: 0 };
  jobs.set(request.id, job);
  try {
    switch (request.type) {
      case "files":
        for (const f of request.files) job.files.push(f);
        return;
      case "load": {
        const { subPath, maxFileBytes, operator } = request.options;
        const result = loadFleet(
          { files: job.files, refused: request.refused },
          {
            ...(subPath !== undefined ? { subPath } : {}),
            ...(maxFileBytes !== undefined ? { maxFileBytes } : {}),
            // The thread follows symlinks as berth's commands do (cli/operator.ts); LoadThread refuses rules that follow them otherwise.
            ...(operator ? { operator: { config: operator, realpath: realpathSync.native } } : {}),
          },
        );
        job.files = [];
        job.parts = resultParts(result);
        parentPort?.postMessage(answer(request.id, job));
        return;
      }
      case "next":
        parentPort?.postMessage(answer(request.id, job));
        return;
    }
  } catch (err) {
    jobs.delete(request.id);
    parentPort?.postMessage({ id: request.id, error: (err as Error).stack ?? String(err) } satisfies LoadResponse);
  }
});
