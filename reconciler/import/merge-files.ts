/**
 * Merging several Compose files as `docker compose -f a.yaml -f b.yaml`
 * does (the specification's merge rules): mappings merge key by key, the
 * later file winning; sequences are appended; `command`, `entrypoint` and
 * `healthcheck.test` are replaced whole; `ports`, `volumes`, `secrets` and
 * `configs` are appended unless an entry has the same identity (ports:
 * ip, target, published and protocol; volumes: target; secrets and
 * configs: target, else source), which the later one replaces; mappings
 * written as lists (`environment`, `labels`…) merge as mappings.
 */
import { listOrDict, mergeDicts, stringOrList } from "./list-or-dict.ts";
import { portIdentity } from "./port-syntax.ts";
import type { ComposeMap } from "./read-compose-file.ts";
import { mountIdentity } from "./volume-syntax.ts";
import { itemSpots, keySpots, remember, whereOf, type Where } from "./where.ts";

const REPLACED = new Set(["command", "entrypoint"]);
const DICTS = new Set(["environment", "labels", "annotations", "sysctls", "extra_hosts"]);
const LISTS = new Set(["dns", "dns_search", "env_file", "tmpfs"]);
const UNIQUE: Readonly<Record<string, (item: unknown) => string>> = {
  ports: portIdentity,
  volumes: mountIdentity,
  secrets: referenceIdentity,
  configs: referenceIdentity,
};

/** `over` merged onto `base`, both whole Compose files. */
export function mergeComposeFiles(base: ComposeMap, over: ComposeMap): ComposeMap {
  return mergeValue(base, over, []) as ComposeMap;
}

/** `over` merged onto `base`, both services (also what `extends` does). */
export function mergeServices(base: ComposeMap, over: ComposeMap): ComposeMap {
  return mergeValue(base, over, ["services", "*"]) as ComposeMap;
}

function mergeValue(a: unknown, b: unknown, path: readonly string[]): unknown {
  const inService = path.length === 3 && path[0] === "services";
  const key = path[path.length - 1] ?? "";
  const at = whereOf(b, whereOf(a, { file: "", line: 1, col: 1 }));
  if (inService) {
    if (REPLACED.has(key)) return b;
    if (DICTS.has(key)) return mergeDicts(listOrDict(a, at), listOrDict(b, at), at);
    if (LISTS.has(key)) return appendUnique(stringOrList(a, at), stringOrList(b, at), at, undefined);
    const identity = UNIQUE[key];
    if (identity && Array.isArray(a) && Array.isArray(b)) return appendUnique(a, b, at, identity);
  }
  if (path.length === 4 && path[0] === "services" && path[2] === "healthcheck" && key === "test") return b;
  if (path.length === 4 && path[0] === "services" && path[2] === "deploy" && key === "labels") return mergeDicts(listOrDict(a, at), listOrDict(b, at), at);
  if (isMap(a) && isMap(b)) {
    const out: Record<string, unknown> = {};
    const keys = new Map<string, Where>(keySpots(a));
    for (const [k, v] of Object.entries(a)) define(out, k, v);
    for (const [k, v] of Object.entries(b)) {
      // Within `services`, each key is a service name: the services merge as one level deeper.
      const child = path.length === 1 && path[0] === "services" ? ["services", k] : [...path, k];
      define(out, k, Object.hasOwn(a, k) ? mergeValue(a[k], v, child) : v);
      const w = keySpots(b).get(k);
      if (w) keys.set(k, w);
    }
    return remember(out, whereOf(a, at), keys);
  }
  if (Array.isArray(a) && Array.isArray(b)) return appendUnique(a, b, at, undefined);
  return b;
}

/** `a` then `b`; with an identity, an item of `b` replaces the item of `a` it shares an identity with. */
function appendUnique(a: unknown[], b: unknown[], at: Where, identity: ((item: unknown) => string) | undefined): unknown[] {
  const out: unknown[] = [];
  const spots: Where[] = [];
  const from = (list: unknown[]) => itemSpots(list);
  a.forEach((item, i) => {
    out.push(item);
    spots.push(from(a)[i] ?? at);
  });
  b.forEach((item, i) => {
    const w = from(b)[i] ?? at;
    const same = identity === undefined ? -1 : out.findIndex((o) => identity(o) === identity(item));
    if (same >= 0) {
      out[same] = item;
      spots[same] = w;
    } else {
      out.push(item);
      spots.push(w);
    }
  });
  return remember(out, whereOf(a, at), new Map(), spots);
}

function referenceIdentity(item: unknown): string {
  if (typeof item === "string") return item;
  if (isMap(item)) return String(item["target"] ?? item["source"] ?? "");
  return JSON.stringify(item);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}
