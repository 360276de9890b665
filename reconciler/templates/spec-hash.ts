/**
 * The pod's spec hash: what decides whether a running container still
 * matches the repository. It is computed from a canonical JSON (keys
 * sorted, `undefined` dropped) of the normalised pod, so two specs that mean
 * the same thing hash the same however they were written.
 */
import { createHash } from "node:crypto";
import type { PodSpec } from "../model/pod.ts";

/** Length of the hex hash kept on containers (`berth.spec-hash`): 64 bits, plenty to tell specs apart. */
export const SPEC_HASH_LENGTH = 16;

/**
 * JSON with object keys sorted at every level and `undefined` members left
 * out; arrays keep their order (order is meaning where the model keeps a list).
 * @example canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }) // '{"a":[2,{"c":4,"d":3}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      const v: unknown = value[i];
      out += v === undefined ? "null" : canonicalJson(v);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = "{";
  let first = true;
  for (const k of keys) {
    const v = record[k];
    if (v === undefined) continue;
    out += `${first ? "" : ","}${JSON.stringify(k)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * The spec hash of a pod: sha256 of the canonical JSON of everything except
 * its identity (`name`, `kind`) and the hash itself, shortened to 16 hex characters.
 */
export function podSpecHash(pod: Omit<PodSpec, "specHash">): string {
  const { name: _name, kind: _kind, ...meaning } = pod as Omit<PodSpec, "specHash"> & { specHash?: string };
  delete (meaning as { specHash?: string }).specHash;
  return createHash("sha256").update(canonicalJson(meaning)).digest("hex").slice(0, SPEC_HASH_LENGTH);
}

/**
 * The pod's shape hash: its spec hash with every cpu and memory left out.
 * Two pods with the same shape differ at most in limits, which the engine
 * changes on a running container (a resize in place, no restart).
 */
export function podShapeHash(pod: Omit<PodSpec, "specHash">): string {
  const shapeless = {
    ...pod,
    resources: undefined,
    containers: pod.containers.map((c) => ({ ...c, resources: undefined })),
  };
  return podSpecHash(shapeless as unknown as Omit<PodSpec, "specHash">);
}
