/**
 * Compose writes environments, labels and the like either as a mapping
 * (`KEY: value`) or as a list (`- KEY=value`); both are read here as one
 * mapping, positions kept. A list item without `=` has the value null, as
 * in Compose (for `environment`, "take it from the environment").
 */
import { itemSpots, keySpots, remember, whereOf, type Where } from "./where.ts";

export function listOrDict(value: unknown, fallback: Where): Record<string, unknown> {
  if (Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    const keys = new Map<string, Where>();
    const items = itemSpots(value);
    value.forEach((item, i) => {
      const text = String(item);
      const eq = text.indexOf("=");
      const key = eq < 0 ? text : text.slice(0, eq);
      Object.defineProperty(out, key, { value: eq < 0 ? null : text.slice(eq + 1), enumerable: true, writable: true, configurable: true });
      keys.set(key, items[i] ?? whereOf(value, fallback));
    });
    return remember(out, whereOf(value, fallback), keys);
  }
  if (typeof value === "object" && value !== null) return value as Record<string, unknown>;
  return remember({}, fallback);
}

/** A string, or a list of strings, as a list (`dns`, `env_file`, `tmpfs`). */
export function stringOrList(value: unknown, fallback: Where): unknown[] {
  if (Array.isArray(value)) return value;
  if (value === undefined || value === null) return [];
  return remember([value], whereOf(value, fallback), new Map(), [whereOf(value, fallback)]);
}

/** A copy of the mapping `a` with `b`'s entries over it, positions of each key from where it came. */
export function mergeDicts(a: Record<string, unknown>, b: Record<string, unknown>, at: Where): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = new Map<string, Where>();
  for (const [source, spots] of [[a, keySpots(a)], [b, keySpots(b)]] as const) {
    for (const [key, v] of Object.entries(source)) {
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      const w = spots.get(key);
      if (w) keys.set(key, w);
    }
  }
  return remember(out, at, keys);
}
