/**
 * Starts a worker thread on one of this folder's worker modules: the
 * TypeScript source when berth runs under tsx, the compiled file under
 * plain node.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker, type ResourceLimits } from "node:worker_threads";

/** The worker modules of this folder. */
export type WorkerModule = "parse-worker" | "load-worker";

/** @example const worker = startWorker("parse-worker", { maxYoungGenerationSizeMb: 64 }); */
export function startWorker(module: WorkerModule, resourceLimits: ResourceLimits = {}): Worker {
  const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
  const url = new URL(`./${module}.${ext}`, import.meta.url);
  return ext === "ts" ? new Worker(tsxBootstrap(url), { eval: true, resourceLimits }) : new Worker(url, { resourceLimits });
}

/**
 * Worker threads do not inherit tsx's loader hooks, so when berth runs from
 * its TypeScript sources the worker registers them before loading its module.
 */
function tsxBootstrap(url: URL): string {
  // tsx's ESM API, located through its package.json (its CommonJS build of the API cannot load the ESM one).
  const root = dirname(createRequire(import.meta.url).resolve("tsx/package.json"));
  const api = pathToFileURL(join(root, "dist", "esm", "api", "index.mjs")).href;
  return `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
}
