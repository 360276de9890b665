/**
 * Where each part of a Compose model was written. The importer works on
 * plain data (objects, arrays, strings), but every warning must point at a
 * file, line and column: each object and array read from YAML is
 * remembered here with the position of itself, of each of its keys and of
 * each of its items. Merging several files and resolving `extends` make new
 * objects; they copy the positions of the parts they are made of, so a key
 * set by an override file points into that file.
 */

export interface Where {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
}

interface Spots {
  readonly at: Where;
  readonly keys: Map<string, Where>;
  readonly items: Where[];
}

const spots = new WeakMap<object, Spots>();

/** Records the positions of `value` (an object or array just built). */
export function remember<T extends object>(value: T, at: Where, keys: Map<string, Where> = new Map(), items: Where[] = []): T {
  spots.set(value, { at, keys, items });
  return value;
}

/** Where `value` starts, or `fallback` when it was not read from a file (a scalar, a built value). */
export function whereOf(value: unknown, fallback: Where): Where {
  return (typeof value === "object" && value !== null && spots.get(value)?.at) || fallback;
}

/** Where the key `key` of the mapping `map` was written (the mapping itself when unknown). */
export function whereKey(map: unknown, key: string, fallback: Where): Where {
  if (typeof map !== "object" || map === null) return fallback;
  const s = spots.get(map);
  return s?.keys.get(key) ?? s?.at ?? fallback;
}

/** Where item `i` of the sequence `list` was written (the sequence itself when unknown). */
export function whereItem(list: unknown, i: number, fallback: Where): Where {
  if (typeof list !== "object" || list === null) return fallback;
  const s = spots.get(list);
  return s?.items[i] ?? s?.at ?? fallback;
}

/** The key positions of `map`, for copying into a mapping made from it. */
export function keySpots(map: object): ReadonlyMap<string, Where> {
  return spots.get(map)?.keys ?? new Map();
}

/** The item positions of `list`, for copying into a sequence made from it. */
export function itemSpots(list: object): readonly (Where | undefined)[] {
  return spots.get(list)?.items ?? [];
}

/** The start of a file, where a diagnostic about the file as a whole points. */
export function fileStart(file: string): Where {
  return { file, line: 1, col: 1 };
}
