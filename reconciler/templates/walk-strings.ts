/**
 * Visiting and rewriting every string inside plain data, with its path:
 * template containers are interpolated field by field this way, so each
 * unknown name can be reported at the exact string that holds it.
 */
import type { PathSegment } from "../load/parse-yaml.ts";

/** Calls `visit` for every string value under `value` (not for keys). */
export function forEachString(value: unknown, path: readonly PathSegment[], visit: (text: string, path: readonly PathSegment[]) => void): void {
  if (typeof value === "string") visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => forEachString(v, [...path, i], visit));
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) forEachString(v, [...path, k], visit);
  }
}

/** A copy of `value` with every string value replaced by `rewrite(text, path)`. */
export function mapStrings<T>(value: T, path: readonly PathSegment[], rewrite: (text: string, path: readonly PathSegment[]) => string): T {
  if (typeof value === "string") return rewrite(value, path) as T;
  if (Array.isArray(value)) return value.map((v, i) => mapStrings(v, [...path, i], rewrite)) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, [...path, k], rewrite);
    return out as T;
  }
  return value;
}
