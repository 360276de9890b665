/**
 * Cross-document checks (DESIGN §3) that need the whole repository:
 * duplicate names, constraints on labels no host has, and more replicas
 * with a fixed host port than the hosts can hold.
 */
import type { Constraint, HostSpec, Placement } from "../model/fleet.ts";
import type { PodSpec } from "../model/pod.ts";
import type { Diagnostic } from "./diagnostic.ts";
import type { ParsedDocument } from "./parse-yaml.ts";
import { diagnosticAt } from "./diagnostic-at.ts";

export interface NamedDocument {
  readonly kind: string;
  readonly name: string;
  readonly at: ParsedDocument;
}

/**
 * Reports every document whose name was already taken in its namespace
 * (services and jobs share one, since containers and `berth render` name
 * them alike), at the later document, naming the first.
 */
export function checkDuplicateNames(docs: readonly NamedDocument[], namespaceOf: (kind: string) => string, out: Diagnostic[]): void {
  const first = new Map<string, NamedDocument>();
  for (const d of docs) {
    const key = `${namespaceOf(d.kind)}/${d.name}`;
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, d);
      continue;
    }
    out.push(diagnosticAt(d.at, ["metadata", "name"], "duplicate-name", `${d.kind} name ${JSON.stringify(d.name)} is already used by the ${earlier.kind} in ${earlier.at.file}:${earlier.at.start.line}`));
  }
}

/** True when `host` satisfies `c`. */
export function hostSatisfies(host: HostSpec, c: Constraint): boolean {
  const value = host.labels[c.label];
  switch (c.op) {
    case "exists":
      return value !== undefined;
    case "==":
    case "in":
      return value !== undefined && c.values.includes(value);
    case "!=":
    case "notin":
      return value === undefined || !c.values.includes(value);
  }
}

/**
 * Checks the placement of one workload against the declared hosts. Skipped
 * when the repository declares no hosts (the default local engine is used,
 * and it has no labels to check against).
 */
export function checkPlacement(
  kind: "Service" | "Job",
  name: string,
  placement: Placement,
  pod: PodSpec,
  replicas: number,
  hosts: readonly HostSpec[],
  at: ParsedDocument,
  out: Diagnostic[],
): void {
  if (hosts.length === 0) return;
  const labels = new Set(hosts.flatMap((h) => Object.keys(h.labels)));
  placement.constraints.forEach((c, i) => {
    if (!labels.has(c.label)) {
      out.push(diagnosticAt(at, ["spec", "placement", "constraints", i, "label"], "unknown-label", `constraint on label ${JSON.stringify(c.label)}, which no host has (host labels: ${[...labels].sort().join(", ") || "none"})`));
    }
  });
  if (placement.spread !== undefined && !labels.has(placement.spread)) {
    out.push(diagnosticAt(at, ["spec", "placement", "spread"], "unknown-label", `spread over label ${JSON.stringify(placement.spread)}, which no host has (host labels: ${[...labels].sort().join(", ") || "none"})`));
  }
  const fixed = pod.ports.filter((p) => p.hostPort !== undefined);
  if (fixed.length === 0 || replicas <= 1) return;
  // Two replicas can never share a fixed host port on one host, whatever the scheduler does.
  const eligible = hosts.filter((h) => !h.drain && placement.constraints.every((c) => hostSatisfies(h, c)));
  if (replicas > eligible.length) {
    const ports = fixed.map((p) => `${p.hostPort}/${p.protocol}`).join(", ");
    out.push(diagnosticAt(at, ["spec", "replicas"], "host-port-capacity", `${kind} ${JSON.stringify(name)} asks for ${replicas} replicas with fixed host port ${ports}, but only ${eligible.length} host(s) can run it (${eligible.map((h) => h.name).join(", ") || "none"}): one replica per host at most`));
  }
}
