/**
 * `extends`: a service starts from another one (in the same file, or in
 * `file:`) and adds or overrides keys by the merge rules. Resolved per
 * file, before files are merged, as Compose does. A cycle, or a service
 * or file that is not there, is a refusal at the `extends` key.
 */
import { mergeServices } from "./merge-files.ts";
import type { ComposeMap } from "./read-compose-file.ts";
import type { ImportFindings } from "./warnings.ts";
import { remember, whereKey, whereOf, keySpots, type Where } from "./where.ts";

/** Reads another Compose file named by `extends.file`, relative to the file that names it. */
export type ExtendsFileReader = (fromFile: string, file: string, at: Where) => ComposeMap | undefined;

/** The file's services with every `extends` resolved (and the key removed). */
export function resolveExtends(file: ComposeMap, path: string, readFile: ExtendsFileReader, findings: ImportFindings): ComposeMap {
  const services = file["services"];
  if (!isMap(services)) return file;
  const done = new Map<string, ComposeMap>();
  // The services of a cycle already reported: the others of the cycle are not reported again.
  const inCycle = new Set<string>();
  const resolve = (name: string, pool: Record<string, unknown>, poolPath: string, chain: string[]): ComposeMap | undefined => {
    const id = `${poolPath}#${name}`;
    const cached = done.get(id);
    if (cached) return cached;
    if (inCycle.has(id)) return undefined;
    const service = pool[name];
    if (!isMap(service)) return undefined;
    const ext = service["extends"];
    if (ext === undefined) {
      done.set(id, service);
      return service;
    }
    const at = whereKey(service, "extends", whereOf(service, { file: poolPath, line: 1, col: 1 }));
    const where = `services.${name}.extends`;
    const target = typeof ext === "string" ? { service: ext } : isMap(ext) ? { service: ext["service"], file: ext["file"] } : undefined;
    if (target === undefined || typeof target.service !== "string") {
      findings.refuse(at, "extends", `extends takes a service name, or a mapping with service: (and file:)`, where);
      return undefined;
    }
    if (chain.includes(id)) {
      for (const c of chain) inCycle.add(c);
      findings.refuse(at, "extends-cycle", `extends makes a cycle: ${[...chain, id].map((c) => c.split("#")[1]).join(" → ")}; one of them must not extend the other`, where);
      return undefined;
    }
    let basePool = pool;
    let basePath = poolPath;
    if (typeof target.file === "string") {
      const other = readFile(poolPath, target.file, at);
      if (other === undefined) return undefined;
      const otherServices = other["services"];
      basePool = isMap(otherServices) ? otherServices : {};
      basePath = target.file;
    }
    if (!isMap(basePool[target.service])) {
      const known = Object.keys(basePool).join(", ") || "none";
      findings.refuse(at, "extends-unknown", `extends names service ${JSON.stringify(target.service)}, which ${basePath === poolPath ? "this file" : basePath} does not define (its services: ${known})`, where);
      return undefined;
    }
    const base = resolve(target.service, basePool, basePath, [...chain, id]);
    if (base === undefined) return undefined;
    const own: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(service)) if (k !== "extends") own[k] = v;
    remember(own, whereOf(service, at), new Map(keySpots(service)));
    const merged = mergeServices(base, own);
    done.set(id, merged);
    return merged;
  };
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(services)) out[name] = resolve(name, services, path, []) ?? services[name];
  remember(out, whereOf(services, { file: path, line: 1, col: 1 }), new Map(keySpots(services)));
  const file2: Record<string, unknown> = { ...file, services: out };
  return remember(file2, whereOf(file, { file: path, line: 1, col: 1 }), new Map(keySpots(file)));
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
