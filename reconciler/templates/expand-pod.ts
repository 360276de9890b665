/**
 * Expansion: a Service or Job and the templates it uses become one
 * normalised pod. The main container comes from the spec; each `uses:` entry
 * adds its template's containers, with parameters checked and `${{ ... }}`
 * substituted. Defaults are filled in and quantities parsed here, so two
 * specs that mean the same thing produce deep-equal pods and equal hashes.
 *
 * `${{ services.NAME.address }}` resolves everywhere a pod's strings are
 * written (template containers, and the service's own env, command, args
 * and `with:` values); a pod that uses one gets the host alias it points at,
 * and so does a pod whose env values, command or args name the alias itself
 * (an etcd on the pod's own host, `http://host.berth.internal:2379`).
 */
import type { PodFieldsDoc, SecretEnvDoc, TemplateContainerDoc, TemplateDoc, UsesDoc } from "../model/documents.ts";
import type { ContainerSpec, HealthCheck, PodPort, PodSpec, PodVolume, Resources, SecretRef, VolumeMount } from "../model/pod.ts";
import { DEFAULT_CPU, DEFAULT_HEALTH_TIMING, DEFAULT_MEMORY_BYTES, DEFAULT_STOP_GRACE_PERIOD_MS } from "../model/defaults.ts";
import { parseDuration, parseMemory } from "../model/quantity.ts";
import type { Diagnostic } from "../load/diagnostic.ts";
import type { Located, ParsedDocument, PathSegment } from "../load/parse-yaml.ts";
import { diagnosticAt } from "../load/diagnostic-at.ts";
import { interpolate } from "./interpolate.ts";
import { resolveParams } from "./params.ts";
import { addressProblem, addressTarget, addressValues, HOST_ALIAS, HOST_ALIAS_ENTRY, type ServiceAddresses } from "./service-addresses.ts";
import { podSpecHash } from "./spec-hash.ts";
import { mapStrings } from "./walk-strings.ts";

export interface PodSource {
  readonly kind: "service" | "job";
  readonly name: string;
  readonly spec: PodFieldsDoc;
  /** The Service or Job document, for positions. */
  readonly at: ParsedDocument;
}

export interface TemplateCatalog {
  /** Templates that passed their own checks, by name. */
  readonly usable: ReadonlyMap<string, Located<TemplateDoc>>;
  /** Names of templates that exist but are broken (already reported): using them is not a second error. */
  readonly broken: ReadonlySet<string>;
}

export interface ExpandOptions {
  /**
   * Every Service of the repository with its first exposed port, built from
   * all Service documents before any pod is expanded, so an address resolves
   * whatever order the files are in. Absent: no service can be addressed.
   */
  readonly services?: ServiceAddresses;
}

export interface ExpandResult {
  /** Absent when the pod could not be built; `diagnostics` says why. */
  readonly pod?: PodSpec;
  /** The parameters each used template was expanded with (defaults filled in), by template name. */
  readonly uses?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly diagnostics: readonly Diagnostic[];
}

/** Where a port was declared, to point at it when it clashes with another. */
interface PortOrigin {
  readonly port: PodPort;
  readonly doc: ParsedDocument;
  readonly path: readonly PathSegment[];
  readonly label: string;
}

/**
 * Builds the pod of one Service or Job. Every problem found is returned as
 * a diagnostic (in the service's file, and in the template's file for a
 * `${{ ... }}` that cannot be resolved); the pod is returned only when
 * there were none.
 */
export function expandPod(source: PodSource, templates: TemplateCatalog, options: ExpandOptions = {}): ExpandResult {
  const { at } = source;
  const diagnostics: Diagnostic[] = [];
  const report = (path: readonly PathSegment[], code: string, message: string, key = false): void => {
    diagnostics.push(diagnosticAt(at, path, code, message, { key }));
  };
  const services = options.services ?? new Map<string, number | undefined>();
  const addresses = addressValues(services);
  const own = interpolateOwnFields(source, services, addresses, diagnostics);
  const spec = own.spec;
  /** Set when any string of the pod resolved a service address: the pod then needs the host alias. */
  let usesAddress = own.usesAddress;

  // Volumes of the pod, mounted into main.
  const volumes: PodVolume[] = [];
  const mainMounts: VolumeMount[] = [];
  (spec.volumes ?? []).forEach((v, i) => {
    if (volumes.some((x) => x.name === v.name)) {
      report(["spec", "volumes", i, "name"], "duplicate-volume", `volume name ${JSON.stringify(v.name)} is used twice in ${source.kind} ${JSON.stringify(source.name)}`);
      return;
    }
    if (v.volume !== undefined && v.hostPath !== undefined) {
      report(["spec", "volumes", i], "volume-source", `volume ${JSON.stringify(v.name)} sets both \`volume\` and \`hostPath\`; choose one`, true);
      return;
    }
    const sourceOf: PodVolume["source"] =
      v.hostPath !== undefined ? { kind: "host", path: v.hostPath } : v.volume !== undefined ? { kind: "named", volume: v.volume } : { kind: "pod" };
    volumes.push({ name: v.name, source: sourceOf });
    mainMounts.push({ volume: v.name, mountPath: v.mountPath, readOnly: v.readOnly ?? false });
  });

  const ports: PortOrigin[] = (spec.ports ?? []).map((p, i) => ({
    port: { name: p.name, container: "main", containerPort: p.containerPort, ...(p.hostPort === undefined ? {} : { hostPort: p.hostPort }), protocol: p.protocol ?? "tcp" },
    doc: at,
    path: ["spec", "ports", i],
    label: `ports[${i}]`,
  }));

  // One variable with two sources would leave which value wins to chance (and could hide a secret behind a plain value).
  const secretNames = new Set<string>();
  (spec.secretEnv ?? []).forEach((secret, i) => {
    if (secretNames.has(secret.name) || Object.hasOwn(spec.env ?? {}, secret.name)) {
      report(["spec", "secretEnv", i, "name"], "duplicate-env", `variable ${JSON.stringify(secret.name)} is set twice: ${secretNames.has(secret.name) ? "by two secretEnv entries" : "in env and in secretEnv"}`);
    }
    secretNames.add(secret.name);
  });

  const main: ContainerSpec = {
    name: "main",
    image: spec.image,
    ...(spec.command === undefined ? {} : { command: spec.command }),
    ...(spec.args === undefined ? {} : { args: spec.args }),
    env: normaliseEnv(spec.env),
    secretEnv: normaliseSecrets(spec.secretEnv),
    volumeMounts: sortMounts(mainMounts),
    resources: normaliseResources(spec.resources),
    privileged: spec.privileged ?? false,
  };
  const containers: ContainerSpec[] = [main];
  const usedParams: Record<string, Record<string, string>> = {};

  // The names templates may use for this service.
  const serviceValues = new Map<string, string>([["service.name", source.name]]);
  for (const p of spec.ports ?? []) serviceValues.set(`service.ports.${p.name}`, String(p.containerPort));

  (spec.uses ?? []).forEach((uses, i) => {
    const usesPath: PathSegment[] = ["spec", "uses", i];
    const located = templates.usable.get(uses.template);
    if (located === undefined) {
      if (templates.broken.has(uses.template)) return; // its own errors are already reported
      const known = [...templates.usable.keys(), ...templates.broken].sort();
      report([...usesPath, "template"], "unknown-template", `unknown template ${JSON.stringify(uses.template)}; known templates: ${known.length === 0 ? "none" : known.join(", ")}`);
      return;
    }
    const template = located.doc;
    const params = resolveParams(template, uses, at, usesPath);
    if (params.diagnostics.length > 0) {
      diagnostics.push(...params.diagnostics);
      return;
    }
    const values = new Map([...serviceValues, ...addresses]);
    for (const [k, v] of params.values) values.set(`params.${k}`, v);
    usedParams[uses.template] = Object.fromEntries([...params.values].sort(([a], [b]) => (a < b ? -1 : 1)));

    template.spec.containers.forEach((raw, j) => {
      const base: PathSegment[] = ["spec", "containers", j];
      let failed = false;
      const fail = (path: readonly PathSegment[], needle: string | undefined, templateMessage: string, serviceMessage: string): void => {
        failed = true;
        diagnostics.push(diagnosticAt(located.at, path, "unknown-name", templateMessage, needle === undefined ? {} : { needle }));
        diagnostics.push(diagnosticAt(at, usesPath, "template-expansion", serviceMessage));
      };
      // Only messages need the template's line; finding it costs a walk of the YAML, so do it on demand.
      const where = (): string => `${located.at.file}:${located.at.locate(base).line}`;
      const c = mapStrings<TemplateContainerDoc>(raw, base, (text, path) => {
        const r = interpolate(text, values);
        if (r.used.some((name) => addressTarget(name) !== undefined)) usesAddress = true;
        for (const u of r.unknown) {
          fail(
            path,
            u.expression,
            `unknown name ${JSON.stringify(u.name)} in ${u.expression} when used by ${source.kind} ${JSON.stringify(source.name)}`,
            `template ${JSON.stringify(template.metadata.name)} uses ${u.expression} (${where()}), but ${source.kind} ${JSON.stringify(source.name)} has no ${u.name.startsWith("service.ports.") ? `port named ${JSON.stringify(u.name.slice("service.ports.".length))}` : `value for ${JSON.stringify(u.name)}`}`,
          );
        }
        return r.value;
      });

      (c.ports ?? []).forEach((p, k) => {
        const path = [...base, "ports", k];
        const containerPort = readPortNumber(p.containerPort);
        const hostPort = p.hostPort === undefined ? undefined : readPortNumber(p.hostPort);
        if (containerPort === undefined || (p.hostPort !== undefined && hostPort === undefined)) {
          const bad = containerPort === undefined ? p.containerPort : p.hostPort;
          fail(path, undefined, `port ${JSON.stringify(p.name)} must be a number from 1 to 65535 after substitution; got ${JSON.stringify(bad)} for ${source.kind} ${JSON.stringify(source.name)}`, `template ${JSON.stringify(template.metadata.name)} gives port ${JSON.stringify(p.name)} the value ${JSON.stringify(bad)}, which is not a port number`);
          return;
        }
        ports.push({
          port: { name: p.name, container: c.name, containerPort, ...(hostPort === undefined ? {} : { hostPort }), protocol: p.protocol ?? "tcp" },
          doc: at,
          path: usesPath,
          label: `container ${JSON.stringify(c.name)} of template ${JSON.stringify(template.metadata.name)}`,
        });
      });

      const mounts: VolumeMount[] = [];
      if (c.shareVolumes === true) mounts.push(...mainMounts);
      else if (Array.isArray(c.shareVolumes)) {
        for (const name of c.shareVolumes) {
          const m = mainMounts.find((x) => x.volume === name);
          if (m === undefined) {
            report(usesPath, "unknown-volume", `template ${JSON.stringify(template.metadata.name)} shares volume ${JSON.stringify(name)}, but ${source.kind} ${JSON.stringify(source.name)} has no volume of that name; declare it under spec.volumes`);
            failed = true;
          } else mounts.push(m);
        }
      }
      if (containers.some((x) => x.name === c.name)) {
        const other = containers.find((x) => x.name === c.name);
        report(usesPath, "duplicate-container", `template ${JSON.stringify(template.metadata.name)} adds container ${JSON.stringify(c.name)}, but the pod already has one of that name${other?.template === undefined ? "" : ` (from template ${JSON.stringify(other.template)})`}`);
        failed = true;
      }
      if (failed) return;
      containers.push({
        name: c.name,
        template: template.metadata.name,
        pattern: template.spec.pattern,
        image: c.image,
        ...(c.command === undefined ? {} : { command: c.command }),
        ...(c.args === undefined ? {} : { args: c.args }),
        env: normaliseEnv(c.env),
        secretEnv: normaliseSecrets(c.secretEnv),
        volumeMounts: sortMounts(mounts),
        resources: normaliseResources(c.resources),
        privileged: c.privileged ?? false,
      });
    });
  });

  checkPortClashes(ports, source, diagnostics);

  for (const key of Object.keys(spec.labels ?? {})) {
    if (key.startsWith("berth.")) report(["spec", "labels", key], "reserved-label", `label ${JSON.stringify(key)} is reserved: berth.* labels are set by berth itself`, true);
  }

  // A name written out reaches the same gateway as one from an address, so it needs the same alias.
  if (containers.some(namesHostAlias)) usesAddress = true;

  const podPorts = ports.map((p) => p.port);
  const health = normaliseHealth(spec, podPorts, at, diagnostics);
  if (diagnostics.length > 0) return { diagnostics };

  const withoutHash: Omit<PodSpec, "specHash"> = {
    name: source.name,
    kind: source.kind,
    containers,
    network: spec.hostNetwork === true ? "host" : "bridge",
    // Absent unless used, so the hash of every pod that names no address is what it was.
    ...(usesAddress ? { extraHosts: [HOST_ALIAS_ENTRY] } : {}),
    ports: sortPorts(podPorts),
    volumes: [...volumes].sort((a, b) => compare(a.name, b.name)),
    health,
    resources: {
      cpu: roundCpu(containers.reduce((sum, c) => sum + c.resources.cpu, 0)),
      memoryBytes: containers.reduce((sum, c) => sum + c.resources.memoryBytes, 0),
    },
    labels: sortRecord(spec.labels ?? {}),
    stopGracePeriodMs: spec.stopGracePeriod === undefined ? DEFAULT_STOP_GRACE_PERIOD_MS : parseDuration(spec.stopGracePeriod),
  };
  return { pod: { ...withoutHash, specHash: podSpecHash(withoutHash) }, uses: usedParams, diagnostics };
}

/**
 * The service's own env values, command, args and `with:` values, with each
 * `${{ services.NAME.address }}` resolved. Nothing else was ever substituted
 * in a service's own fields, so any other `${{ ... }}` there is reported
 * rather than passed on as text: it is almost surely a template's name used
 * in the wrong place, and the container would otherwise see it verbatim.
 */
function interpolateOwnFields(
  source: PodSource,
  services: ServiceAddresses,
  addresses: ReadonlyMap<string, string>,
  out: Diagnostic[],
): { spec: PodFieldsDoc; usesAddress: boolean } {
  const { spec, at, kind } = source;
  let usesAddress = false;
  const resolve = (text: string, path: readonly PathSegment[]): string => {
    const r = interpolate(text, addresses);
    if (r.used.length > 0) usesAddress = true;
    for (const u of r.unknown) {
      const message =
        addressProblem(u.name, services) ??
        `${u.expression} cannot be used in a ${kind}'s own fields: only \${{ services.<name>.address }} is substituted there (params.* and service.* are for templates)`;
      out.push(diagnosticAt(at, path, addressTarget(u.name) === undefined ? "unknown-name" : "unknown-service", message, { needle: u.expression }));
    }
    return r.value;
  };
  const strings = (list: readonly string[] | undefined, field: string): readonly string[] | undefined =>
    list?.map((text, i) => resolve(text, ["spec", field, i]));
  // Object.fromEntries keeps a variable or parameter named `__proto__` as an own property.
  const values = <V>(record: Readonly<Record<string, V>> | undefined, path: readonly PathSegment[]): Record<string, V> | undefined =>
    record === undefined ? undefined : Object.fromEntries(Object.entries(record).map(([k, v]) => [k, typeof v === "string" ? (resolve(v, [...path, k]) as V) : v]));
  const resolved: PodFieldsDoc = {
    ...spec,
    ...(spec.command === undefined ? {} : { command: strings(spec.command, "command") }),
    ...(spec.args === undefined ? {} : { args: strings(spec.args, "args") }),
    ...(spec.env === undefined ? {} : { env: values(spec.env, ["spec", "env"]) }),
    ...(spec.uses === undefined
      ? {}
      : { uses: spec.uses.map((u, i): UsesDoc => (u.with === undefined ? u : { ...u, with: values(u.with, ["spec", "uses", i, "with"]) })) }),
  };
  return { spec: resolved, usesAddress };
}

/** `host.berth.internal` as a whole host name: not `myhost.berth.internal`, not `host.berth.internal.example`. */
const HOST_ALIAS_NAME = new RegExp(`(?<![A-Za-z0-9.-])${HOST_ALIAS.replaceAll(".", "\\.")}(?![A-Za-z0-9-]|\\.[A-Za-z0-9])`);

/** Whether a container's env values, command or args (already interpolated) name the host alias. */
function namesHostAlias(c: ContainerSpec): boolean {
  return [...Object.values(c.env), ...(c.command ?? []), ...(c.args ?? [])].some((text) => HOST_ALIAS_NAME.test(text));
}

/** Port names, container ports and fixed host ports are each unique in a pod (its containers share one network namespace). */
function checkPortClashes(ports: readonly PortOrigin[], source: PodSource, out: Diagnostic[]): void {
  const byName = new Map<string, PortOrigin>();
  const byContainerPort = new Map<string, PortOrigin>();
  const byHostPort = new Map<string, PortOrigin>();
  for (const o of ports) {
    const p = o.port;
    const clash = (map: Map<string, PortOrigin>, key: string, code: string, what: string): void => {
      const first = map.get(key);
      if (first === undefined) {
        map.set(key, o);
        return;
      }
      out.push(diagnosticAt(o.doc, o.path, code, `${what} is used twice in the pod of ${source.kind} ${JSON.stringify(source.name)}: by ${first.label} and by ${o.label}`));
    };
    clash(byName, p.name, "duplicate-port-name", `port name ${JSON.stringify(p.name)}`);
    clash(byContainerPort, `${p.containerPort}/${p.protocol}`, "duplicate-port", `container port ${p.containerPort}/${p.protocol}`);
    if (p.hostPort !== undefined) clash(byHostPort, `${p.hostPort}/${p.protocol}`, "duplicate-host-port", `host port ${p.hostPort}/${p.protocol}`);
  }
}

function normaliseHealth(spec: PodFieldsDoc, ports: readonly PodPort[], at: ParsedDocument, out: Diagnostic[]): HealthCheck {
  const h = spec.health;
  if (h === undefined || h.image === true) return { kind: "image" };
  const timing = {
    intervalMs: h.interval === undefined ? DEFAULT_HEALTH_TIMING.intervalMs : parseDuration(h.interval),
    timeoutMs: h.timeout === undefined ? DEFAULT_HEALTH_TIMING.timeoutMs : parseDuration(h.timeout),
    retries: h.retries ?? DEFAULT_HEALTH_TIMING.retries,
    startPeriodMs: h.startPeriod === undefined ? DEFAULT_HEALTH_TIMING.startPeriodMs : parseDuration(h.startPeriod),
  };
  const resolvePort = (port: string | number, path: readonly PathSegment[]): number => {
    if (typeof port === "number") return port;
    const found = ports.find((p) => p.name === port);
    if (found !== undefined) return found.containerPort;
    const names = ports.map((p) => JSON.stringify(p.name));
    out.push(diagnosticAt(at, path, "unknown-port", `health check names port ${JSON.stringify(port)}, but the pod has ${names.length === 0 ? "no ports" : `only ${names.join(", ")}`}`));
    return 0;
  };
  if (h.http !== undefined) {
    return { kind: "http", path: h.http.path ?? "/", port: resolvePort(h.http.port, ["spec", "health", "http", "port"]), scheme: h.http.scheme ?? "http", ...timing };
  }
  if (h.tcp !== undefined) return { kind: "tcp", port: resolvePort(h.tcp.port, ["spec", "health", "tcp", "port"]), ...timing };
  if (h.exec !== undefined) return { kind: "exec", command: h.exec.command, ...timing };
  return { kind: "image" };
}

function normaliseEnv(env: Readonly<Record<string, string | number | boolean>> | undefined): Record<string, string> {
  // Object.fromEntries defines own properties: a variable named `__proto__` is kept, not swallowed by the prototype setter.
  return Object.fromEntries(Object.keys(env ?? {}).sort().map((key) => [key, String(env?.[key])]));
}

function normaliseSecrets(list: readonly SecretEnvDoc[] | undefined): SecretRef[] {
  return (list ?? [])
    .map((s): SecretRef => ("fromEnv" in s ? { name: s.name, fromEnv: s.fromEnv } : { name: s.name, fromFile: s.fromFile }))
    .sort((a, b) => compare(a.name, b.name));
}

function normaliseResources(r: { cpu?: number; memory?: string } | undefined): Resources {
  return {
    cpu: r?.cpu ?? DEFAULT_CPU,
    memoryBytes: r?.memory === undefined ? DEFAULT_MEMORY_BYTES : parseMemory(r.memory),
  };
}

function readPortNumber(value: number | string): number | undefined {
  const n = typeof value === "number" ? value : /^[0-9]+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

function sortMounts(mounts: readonly VolumeMount[]): VolumeMount[] {
  return [...mounts].sort((a, b) => compare(a.mountPath, b.mountPath));
}

function sortPorts(ports: readonly PodPort[]): PodPort[] {
  return [...ports].sort((a, b) => compare(a.container, b.container) || a.containerPort - b.containerPort || compare(a.protocol, b.protocol));
}

function sortRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key] ?? ""]));
}

/** Sums of decimal cores drift (0.1 + 0.2); round to a millicore so equal pods hash equal. */
function roundCpu(cores: number): number {
  return Math.round(cores * 1000) / 1000;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
