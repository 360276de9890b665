/**
 * Reads the operator configuration: `--config FILE`, else `BERTH_CONFIG`,
 * else the defaults. The file is YAML checked against
 * schemas/operator-config.schema.json; every mistake is reported as
 * file:line:col, and a command that cannot read it does nothing.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ValidateFunction } from "ajv/dist/2020.js";
import { OperatorConfig as compiledValidator } from "../load/compiled-schemas.ts";
import type { Diagnostic } from "../load/diagnostic.ts";
import { parseYamlFile } from "../load/parse-yaml.ts";
import { schemaDiagnostics } from "../load/schema-errors.ts";
import type { OperatorConfig, SshSettings } from "../model/operator-config.ts";
import { parseDuration } from "../model/quantity.ts";
import { defaultOperatorConfig } from "./defaults.ts";

interface ConfigDoc {
  readonly secrets?: { readonly dir?: string; readonly env?: readonly string[] };
  readonly ceiling?: { readonly privileged?: boolean; readonly hostNetwork?: boolean; readonly hostPaths?: readonly string[]; readonly registries?: readonly string[] };
  readonly engines?: { readonly plainTcp?: readonly string[] };
  readonly timings?: { readonly hostLostAfter?: string };
  readonly traffic?: { readonly proxyImage?: string; readonly drainDelay?: string };
  readonly autoscale?: { readonly prometheusUrls?: readonly string[]; readonly interval?: string };
  readonly credentials?: { readonly registries?: readonly string[] };
  readonly ssh?: { readonly identityFile?: string; readonly agent?: string; readonly knownHosts?: string };
}

/** The ssh section with its paths made absolute: relative ones are read from the config file's folder, like a `--config` beside its keys. */
function sshSettings(ssh: NonNullable<ConfigDoc["ssh"]>, dir: string): SshSettings {
  const abs = (p: string) => path.resolve(dir, p);
  return {
    ...(ssh.identityFile ? { identityFile: abs(ssh.identityFile) } : {}),
    ...(ssh.agent ? { agent: abs(ssh.agent) } : {}),
    ...(ssh.knownHosts ? { knownHosts: abs(ssh.knownHosts) } : {}),
  };
}

/** Checks a configuration against schemas/operator-config.schema.json (compiled ahead of time, load/compile-schemas.ts). */
const validate = compiledValidator as unknown as ValidateFunction;

/** Where the configuration comes from: `--config`, else `BERTH_CONFIG`; undefined for the defaults. */
export function configFile(opts: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (typeof opts["config"] === "string") return path.resolve(opts["config"]);
  return env.BERTH_CONFIG ? path.resolve(env.BERTH_CONFIG) : undefined;
}

/**
 * The operator configuration, or every diagnostic that says why it cannot be used.
 * @example
 * const c = loadOperatorConfig(configFile(opts), stateDir(opts));
 * if ("diagnostics" in c) for (const d of c.diagnostics) console.error(formatDiagnostic(d));
 */
export function loadOperatorConfig(file: string | undefined, stateDir: string): { config: OperatorConfig } | { diagnostics: Diagnostic[] } {
  const defaults = defaultOperatorConfig(stateDir);
  if (file === undefined) return { config: defaults };
  let content: string;
  try {
    content = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    return { diagnostics: [{ file, line: 1, col: 1, severity: "error", code: "config-unreadable", message: `the operator config cannot be read (${code}); check --config or BERTH_CONFIG`, path: "" }] };
  }
  const parsed = parseYamlFile({ path: file, content });
  if (parsed.diagnostics.some((d) => d.severity === "error")) return { diagnostics: [...parsed.diagnostics] };
  const doc = parsed.documents[0];
  if (!doc || parsed.documents.length > 1) {
    return { diagnostics: [{ file, line: 1, col: 1, severity: "error", code: "config-shape", message: "the operator config must be exactly one YAML document (apiVersion: berth/v1, kind: OperatorConfig)", path: "" }] };
  }
  if (!validate(doc.value)) return { diagnostics: schemaDiagnostics(doc, validate.errors ?? []) };
  const c = doc.value as ConfigDoc;
  return {
    config: {
      file,
      secrets: { dir: c.secrets?.dir ?? defaults.secrets.dir, env: c.secrets?.env ? [...c.secrets.env] : defaults.secrets.env },
      ceiling: {
        privileged: c.ceiling?.privileged ?? false,
        hostNetwork: c.ceiling?.hostNetwork ?? false,
        hostPaths: (c.ceiling?.hostPaths ?? []).map((p) => path.posix.normalize(p)),
        ...(c.ceiling?.registries ? { registries: [...c.ceiling.registries] } : {}),
      },
      plainTcp: c.engines?.plainTcp ? [...c.engines.plainTcp] : defaults.plainTcp,
      hostLostAfterMs: c.timings?.hostLostAfter ? parseDuration(c.timings.hostLostAfter) : defaults.hostLostAfterMs,
      traffic: {
        proxyImage: c.traffic?.proxyImage ?? defaults.traffic.proxyImage,
        drainDelayMs: c.traffic?.drainDelay ? parseDuration(c.traffic.drainDelay) : defaults.traffic.drainDelayMs,
      },
      autoscale: {
        prometheusUrls: (c.autoscale?.prometheusUrls ?? []).map((u) => u.replace(/\/+$/, "")),
        intervalMs: c.autoscale?.interval ? parseDuration(c.autoscale.interval) : defaults.autoscale.intervalMs,
      },
      ...(c.credentials?.registries ? { credentialRegistries: [...c.credentials.registries] } : {}),
      ...(c.ssh ? { ssh: sshSettings(c.ssh, path.dirname(file)) } : {}),
    },
  };
}
