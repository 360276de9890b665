/**
 * East-west addresses: `${{ services.NAME.address }}` is where a pod reaches
 * an exposed service. Every host's proxy answers on the exposed port at the
 * engine's bridge gateway, which the pod knows as `host.berth.internal`;
 * so the address is the same on every host, names no replica, and keeps
 * working while replicas come and go.
 */

/** The name a pod reaches its own host's proxy by. */
export const HOST_ALIAS = "host.berth.internal";

/** The `ExtraHosts` entry that makes `HOST_ALIAS` the engine's bridge gateway inside a pod. */
export const HOST_ALIAS_ENTRY = `${HOST_ALIAS}:host-gateway`;

/**
 * Every Service of the repository by name, with its first exposed port, or
 * `undefined` when it exposes none: enough to resolve an address and to say
 * why one cannot be.
 */
export type ServiceAddresses = ReadonlyMap<string, number | undefined>;

const ADDRESS_NAME = /^services\.([^.]*)\.address$/;

/**
 * The service a `services.NAME.address` name refers to; `undefined` when
 * `name` is not of that form.
 * @example addressTarget("services.cache.address") // "cache"
 */
export function addressTarget(name: string): string | undefined {
  return ADDRESS_NAME.exec(name)?.[1];
}

/**
 * The table entries for every exposed service, for `interpolate`:
 * `services.NAME.address` → `host.berth.internal:PORT`.
 * @example addressValues(new Map([["cache", 16379]])).get("services.cache.address") // "host.berth.internal:16379"
 */
export function addressValues(services: ServiceAddresses): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, port] of services) if (port !== undefined) out.set(`services.${name}.address`, `${HOST_ALIAS}:${port}`);
  return out;
}

/**
 * Why the address name `name` cannot be resolved, as a message; `undefined`
 * when it can (or when `name` is no address name).
 */
export function addressProblem(name: string, services: ServiceAddresses): string | undefined {
  const target = addressTarget(name);
  if (target === undefined) return undefined;
  if (!services.has(target)) {
    const known = [...services.keys()].sort();
    return `no service named ${JSON.stringify(target)} (services: ${known.length === 0 ? "none" : known.join(", ")})`;
  }
  if (services.get(target) === undefined) return `${name}: service ${JSON.stringify(target)} exposes no port; add expose: to it`;
  return undefined;
}
