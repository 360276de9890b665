/**
 * A `LoadResult` cut into parts, for the trip from the load thread back to
 * the daemon's event loop. A message is deserialised on the receiving
 * thread in one piece: the fleet of a 20 MB commit (12,600 services) takes
 * about 0.4 s to deserialise, all of it with the loop held. In parts
 * of about `PART_BYTES`, each one takes a few milliseconds, and the loop
 * serves requests between them.
 */
import type { Fleet, HostSpec, JobSpec, PolicySpec, ServiceSpec, TemplateSpec } from "../model/fleet.ts";
import type { Diagnostic } from "./diagnostic.ts";
import { LoadThreadError } from "./errors.ts";
import type { LoadResult } from "./load-fleet.ts";

/**
 * About how much data one part holds, measured as JSON. Parts of 256 KiB
 * of the fleet of bench/large-commit.ts deserialise in 4 ms (16 ms at
 * worst); parts of 1 MiB took 16 ms (40 ms at worst).
 */
export const PART_BYTES = 256 * 1024;

/** The first part: the result without its lists. */
export interface ResultHead {
  readonly kind: "head";
  readonly ok: boolean;
  /** Present when `ok`. */
  readonly policy?: PolicySpec;
}

/** A run of one of the result's lists. */
export type ResultSlice =
  | { readonly kind: "hosts"; readonly items: readonly HostSpec[] }
  | { readonly kind: "services"; readonly items: readonly ServiceSpec[] }
  | { readonly kind: "jobs"; readonly items: readonly JobSpec[] }
  | { readonly kind: "templates"; readonly items: readonly TemplateSpec[] }
  | { readonly kind: "diagnostics"; readonly items: readonly Diagnostic[] };

export type ResultPart = ResultHead | ResultSlice;

/**
 * The parts of `result`, head first; `joinParts` puts them back together.
 * @example joinParts(resultParts(result)) // deep-equal to result
 */
export function resultParts(result: LoadResult, partBytes = PART_BYTES): ResultPart[] {
  const head: ResultHead = result.ok ? { kind: "head", ok: true, policy: result.fleet.policy } : { kind: "head", ok: false };
  const parts: ResultPart[] = [head];
  if (result.ok) {
    const { hosts, services, jobs, templates } = result.fleet;
    for (const items of runs(hosts, partBytes)) parts.push({ kind: "hosts", items });
    for (const items of runs(services, partBytes)) parts.push({ kind: "services", items });
    for (const items of runs(jobs, partBytes)) parts.push({ kind: "jobs", items });
    for (const items of runs(templates, partBytes)) parts.push({ kind: "templates", items });
  }
  for (const items of runs(result.diagnostics, partBytes)) parts.push({ kind: "diagnostics", items });
  return parts;
}

/** The `LoadResult` that `resultParts` cut up. */
export function joinParts(parts: readonly ResultPart[]): LoadResult {
  let head: ResultHead | undefined;
  const hosts: HostSpec[] = [];
  const services: ServiceSpec[] = [];
  const jobs: JobSpec[] = [];
  const templates: TemplateSpec[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const part of parts) {
    switch (part.kind) {
      case "head":
        head = part;
        break;
      case "hosts":
        for (const item of part.items) hosts.push(item);
        break;
      case "services":
        for (const item of part.items) services.push(item);
        break;
      case "jobs":
        for (const item of part.items) jobs.push(item);
        break;
      case "templates":
        for (const item of part.items) templates.push(item);
        break;
      case "diagnostics":
        for (const item of part.items) diagnostics.push(item);
        break;
    }
  }
  if (head === undefined) throw new LoadThreadError({ detail: "a load result came without its head part" });
  if (!head.ok || head.policy === undefined) return { ok: false, diagnostics };
  const fleet: Fleet = { hosts, services, jobs, templates, policy: head.policy };
  return { ok: true, fleet, diagnostics };
}

/** `list` in consecutive runs of about `bytes` of JSON each; an item larger than that is a run of its own. */
function runs<T>(list: readonly T[], bytes: number): T[][] {
  const out: T[][] = [];
  let run: T[] = [];
  let size = 0;
  for (const item of list) {
    const n = JSON.stringify(item).length;
    if (run.length > 0 && size + n > bytes) {
      out.push(run);
      run = [];
      size = 0;
    }
    run.push(item);
    size += n;
  }
  if (run.length > 0) out.push(run);
  return out;
}
