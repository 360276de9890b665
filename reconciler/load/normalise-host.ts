/**
 * Host documents → `HostSpec`: endpoint checked, capacity parsed.
 */
import type { HostDoc } from "../model/documents.ts";
import type { HostSpec } from "../model/fleet.ts";
import { parseMemory } from "../model/quantity.ts";
import type { Diagnostic } from "./diagnostic.ts";
import type { Located } from "./parse-yaml.ts";
import { diagnosticAt } from "./diagnostic-at.ts";

/** Normalises one Host; a `tcp://` endpoint must say how it is secured (TLS files or an explicit `insecure: true`). */
export function normaliseHost({ doc, at }: Located<HostDoc>, out: Diagnostic[]): HostSpec | undefined {
  const spec = doc.spec;
  const before = out.length;
  if (spec.endpoint.startsWith("tcp://") && spec.tls === undefined && spec.insecure !== true) {
    out.push(diagnosticAt(at, ["spec", "endpoint"], "insecure-endpoint", `endpoint ${JSON.stringify(spec.endpoint)} is plain TCP: give \`tls\` files, or state \`insecure: true\` if this really is an unprotected engine`));
  }
  if (spec.tls !== undefined && spec.insecure === true) {
    out.push(diagnosticAt(at, ["spec", "insecure"], "insecure-endpoint", "`insecure: true` contradicts the `tls` files given; remove one of them"));
  }
  if (spec.endpoint.startsWith("unix://") && spec.tls !== undefined) {
    out.push(diagnosticAt(at, ["spec", "tls"], "tls-on-unix", `TLS files do not apply to the unix socket ${JSON.stringify(spec.endpoint)}`, { key: true, severity: "warning" }));
  }
  if (spec.endpoint.startsWith("ssh://") && spec.tls !== undefined) {
    out.push(diagnosticAt(at, ["spec", "tls"], "tls-on-ssh", `TLS files do not apply to ${JSON.stringify(spec.endpoint)}: berth reaches an ssh:// engine through SSH, with the operator's keys and known_hosts (ssh: in the operator config); remove \`tls\``, { key: true, severity: "warning" }));
  }
  if (out.slice(before).some((d) => d.severity === "error")) return undefined;
  const capacity =
    spec.capacity === undefined
      ? undefined
      : {
          ...(spec.capacity.cpu === undefined ? {} : { cpu: spec.capacity.cpu }),
          ...(spec.capacity.memory === undefined ? {} : { memoryBytes: parseMemory(spec.capacity.memory) }),
        };
  return {
    name: doc.metadata.name,
    endpoint: spec.endpoint,
    ...(spec.tls === undefined || spec.endpoint.startsWith("unix://") || spec.endpoint.startsWith("ssh://") ? {} : { tls: spec.tls }),
    insecure: spec.insecure === true,
    labels: { ...(spec.labels ?? {}) },
    ...(capacity === undefined ? {} : { capacity }),
    drain: spec.drain === true,
    ...(spec.address === undefined ? {} : { address: spec.address }),
    source: { file: at.file, line: at.start.line },
  };
}
