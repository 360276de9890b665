/**
 * The limits a resize in place gave a container, carried in its name.
 *
 * Labels cannot change on a container, and the engine's list call (the one
 * request observation makes per host) returns no limits; its name is the one
 * thing that both changes on a running container and comes back in that
 * list. So a resized container is renamed `web-0-3f9a1c_cpu0.5_mem128Mi`:
 * every plan, on any machine (a pull request's CI as well as the daemon),
 * sees what the engine now enforces, without a request per container and
 * without a record that only one machine keeps.
 */
import type { Resources } from "../model/pod.ts";

const SUFFIX = /_cpu(\d+(?:\.\d+)?)_mem(\d+)(Ki|Mi|Gi)?$/;
const UNIT: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };

function bytes(n: number): string {
  for (const u of ["Gi", "Mi", "Ki"]) if (n >= UNIT[u]! && n % UNIT[u]! === 0) return `${n / UNIT[u]!}${u}`;
  return String(n);
}

/** The cpu as the engine keeps it (NanoCpus), in plain decimals: `0.5`, never `5e-1`. */
function cores(cpu: number): string {
  return (Math.round(cpu * 1e9) / 1e9).toFixed(9).replace(/\.?0+$/, "");
}

/**
 * @example resizedName("web-0-3f9a1c", { cpu: 0.5, memoryBytes: 128 * 2 ** 20 }) // "web-0-3f9a1c_cpu0.5_mem128Mi"
 */
export function resizedName(name: string, r: Resources): string {
  return `${parseResizedName(name).base}_cpu${cores(r.cpu)}_mem${bytes(r.memoryBytes)}`;
}

/**
 * The name without the suffix, and the limits it carries when it has one.
 * @example parseResizedName("web-0-3f9a1c_cpu0.5_mem128Mi") // { base: "web-0-3f9a1c", resources: { cpu: 0.5, memoryBytes: 134217728 } }
 */
export function parseResizedName(name: string): { base: string; resources?: Resources } {
  const m = SUFFIX.exec(name);
  if (!m) return { base: name };
  return { base: name.slice(0, m.index), resources: { cpu: Number(m[1]), memoryBytes: Number(m[2]) * (m[3] ? UNIT[m[3]]! : 1) } };
}
