/**
 * Field-level reasons for replacing a pod: what differs between the spec a
 * running pod was created from and the spec git wants now. Values of
 * environment variables are never printed (only that they changed): a plan
 * is read in pull requests, and env is where careless secrets end up.
 */
import type { ContainerSpec, HealthCheck, PodSpec } from "../model/pod.ts";

/** Template parameters a pod was expanded with, as recorded on its containers. */
export type TemplateUses = Readonly<Record<string, Readonly<Record<string, string | number | boolean>>>>;

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function keyChanges(what: string, a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  for (const k of Object.keys({ ...a, ...b }).sort()) {
    if (!(k in a)) out.push(`${what} ${k} added`);
    else if (!(k in b)) out.push(`${what} ${k} removed`);
    else if (!same(a[k], b[k])) out.push(`${what} ${k} changed`);
  }
  return out;
}

/** `128Mi`, `1Gi`, `1500B`: the largest binary unit that divides it. */
export function formatBytes(n: number): string {
  const units: [string, number][] = [["Gi", 2 ** 30], ["Mi", 2 ** 20], ["Ki", 2 ** 10]];
  for (const [u, size] of units) if (n >= size && n % size === 0) return `${n / size}${u}`;
  return `${n}B`;
}

function describeHealth(h: HealthCheck): string {
  switch (h.kind) {
    case "image":
      return "image HEALTHCHECK";
    case "http":
      return `http ${h.path} on ${h.port}`;
    case "tcp":
      return `tcp ${h.port}`;
    case "exec":
      return `exec ${h.command.join(" ")}`;
  }
}

function containerChanges(a: ContainerSpec, b: ContainerSpec): string[] {
  const out: string[] = [];
  if (a.image !== b.image) out.push(`image ${a.image} → ${b.image}`);
  if (!same(a.command, b.command)) out.push("command changed");
  if (!same(a.args, b.args)) out.push("args changed");
  out.push(...keyChanges("env", a.env, b.env));
  const secrets = (c: ContainerSpec) => Object.fromEntries(c.secretEnv.map((s) => [s.name, s]));
  out.push(...keyChanges("secret env", secrets(a), secrets(b)));
  if (!same(a.volumeMounts, b.volumeMounts)) out.push("volume mounts changed");
  if (a.resources.cpu !== b.resources.cpu) out.push(`cpu ${a.resources.cpu} → ${b.resources.cpu}`);
  if (a.resources.memoryBytes !== b.resources.memoryBytes) {
    out.push(`memory ${formatBytes(a.resources.memoryBytes)} → ${formatBytes(b.resources.memoryBytes)}`);
  }
  if (a.privileged !== b.privileged) out.push(`privileged ${a.privileged} → ${b.privileged}`);
  return out;
}

function containerLabel(c: ContainerSpec): string {
  return c.template ? `template ${c.template}` : `container ${c.name}`;
}

/**
 * Lists why `next` differs from `old`, most specific first, e.g.
 * `image 127.0.0.1:5000/berth/app:v1 → 127.0.0.1:5000/berth/app:v2`,
 * `env LOG_LEVEL changed`, `template log-shipper: param path changed`.
 * Changes in the main container carry no prefix.
 */
export function describeSpecChanges(old: PodSpec, next: PodSpec, oldUses: TemplateUses = {}, nextUses: TemplateUses = {}): string[] {
  const out: string[] = [];
  const oldByName = new Map(old.containers.map((c) => [c.name, c]));
  const nextByName = new Map(next.containers.map((c) => [c.name, c]));
  for (const c of next.containers) {
    const before = oldByName.get(c.name);
    if (!before) {
      out.push(`${containerLabel(c)} added`);
      continue;
    }
    const prefix = c.name === "main" ? "" : `${containerLabel(c)}: `;
    out.push(...containerChanges(before, c).map((r) => prefix + r));
  }
  for (const c of old.containers) if (!nextByName.has(c.name)) out.push(`${containerLabel(c)} removed`);
  for (const t of Object.keys({ ...oldUses, ...nextUses }).sort()) {
    if (oldUses[t] && nextUses[t]) out.push(...keyChanges(`template ${t}: param`, oldUses[t], nextUses[t]));
  }
  const ports = (p: PodSpec) => Object.fromEntries(p.ports.map((x) => [x.name, x]));
  out.push(...keyChanges("port", ports(old), ports(next)));
  if (!same(old.volumes, next.volumes)) out.push("volumes changed");
  if (!same(old.health, next.health)) {
    const [a, b] = [describeHealth(old.health), describeHealth(next.health)];
    out.push(a === b ? `health check timing changed (${b})` : `health check ${a} → ${b}`);
  }
  if (old.network !== next.network) out.push(`network ${old.network} → ${next.network}`);
  out.push(...keyChanges("label", old.labels, next.labels));
  if (old.stopGracePeriodMs !== next.stopGracePeriodMs) out.push(`stop grace period ${old.stopGracePeriodMs}ms → ${next.stopGracePeriodMs}ms`);
  // Template params that only changed a container are already named above;
  // dedupe while keeping order.
  const unique = [...new Set(out)];
  return unique.length > 0 ? unique : ["spec changed"];
}
