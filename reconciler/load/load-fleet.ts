/**
 * The loader: files in, a validated `Fleet` (or every diagnostic) out.
 *
 *   files → parse YAML → check each document against its schema
 *         → normalise hosts and policy → check templates
 *         → expand every Service and Job into a pod → cross-document checks
 *
 * It is pure: no disk, no git, no clock. Every step runs even when an
 * earlier one found errors in some documents, so one run reports every
 * mistake; a document that failed its schema is left out of later steps
 * (with care not to report the same mistake twice).
 */
import type { DocumentKind, HostDoc, JobDoc, PolicyDoc, ServiceDoc, TemplateDoc } from "../model/documents.ts";
import { DOCUMENT_KINDS } from "../model/documents.ts";
import type { Fleet, HostSpec, JobSpec, ServiceSpec, TemplateSpec } from "../model/fleet.ts";
import type { PodSpec } from "../model/pod.ts";
import { checkTemplate } from "../templates/check-template.ts";
import { expandPod, type TemplateCatalog } from "../templates/expand-pod.ts";
import type { ServiceAddresses } from "../templates/service-addresses.ts";
import { checkDuplicateNames, checkPlacement, type NamedDocument } from "./check-fleet.ts";
import { checkHostPortsAgainstExposed, checkWorkloadMode, exposedPorts, type PortClaim } from "./check-traffic.ts";
import { checkHostEndpoint, checkPodSecrets, checkPolicyCeiling, type OperatorRules } from "./check-operator.ts";
import { normaliseAutoscale } from "./normalise-autoscale.ts";
import { hasErrors, sortDiagnostics, type Diagnostic } from "./diagnostic.ts";
import { MAX_FILE_BYTES } from "./limits.ts";
import { normaliseHost } from "./normalise-host.ts";
import { checkPodAgainstPolicy, normalisePolicy } from "./normalise-policy.ts";
import { normaliseJob, normaliseService } from "./normalise-workload.ts";
import { parseYamlFile, type Located, type ParsedDocument, type ParsedFile } from "./parse-yaml.ts";
import type { YamlParsePool } from "./parse-pool.ts";
import { diagnosticAt } from "./diagnostic-at.ts";
import { documentValidators } from "./schema.ts";
import { schemaDiagnostics } from "./schema-errors.ts";
import { isFleetFile, type RepoSnapshot, type SourceFile } from "./source.ts";

export interface LoadOptions {
  /** Only read files under this sub-path (`--path`). */
  readonly subPath?: string;
  /** Refuse files larger than this (default `MAX_FILE_BYTES`). */
  readonly maxFileBytes?: number;
  /**
   * The operator's rules: secret sources, plain-TCP engines, the ceiling a
   * Policy may not pass. Every command passes them (cli/operator.ts);
   * without them only the repository's own rules apply.
   */
  readonly operator?: OperatorRules;
}

export type LoadResult =
  | { readonly ok: true; readonly fleet: Fleet; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

interface Collected {
  Host: Located<HostDoc>[];
  Service: Located<ServiceDoc>[];
  Job: Located<JobDoc>[];
  Template: Located<TemplateDoc>[];
  Policy: Located<PolicyDoc>[];
  /** Every document with a readable kind and name, valid or not, for duplicate checks. */
  named: NamedDocument[];
  /** Names of templates that exist but failed their schema: using one is not reported again. */
  brokenTemplates: Set<string>;
}

/**
 * Loads a repository snapshot: parses, validates, expands templates and
 * runs the cross-document checks. Diagnostics are sorted by file and line.
 * @example
 * const result = loadFleet(await readRepoDir("examples-repo"));
 * if (!result.ok) for (const d of result.diagnostics) console.log(formatDiagnostic(d));
 */
export function loadFleet(snapshot: RepoSnapshot, options: LoadOptions = {}): LoadResult {
  const maxBytes = options.maxFileBytes ?? MAX_FILE_BYTES;
  return loadParsed(snapshot, fleetFiles(snapshot, options).map((f) => parseYamlFile(f, maxBytes)), options.operator);
}

/**
 * `loadFleet`, with YAML parsing (most of the work) spread over the threads
 * of `pool`. Same result, same diagnostics; worth it for large repositories.
 */
export async function loadFleetParallel(snapshot: RepoSnapshot, pool: YamlParsePool, options: LoadOptions = {}): Promise<LoadResult> {
  return loadParsed(snapshot, await pool.parseFiles(fleetFiles(snapshot, options), options.maxFileBytes ?? MAX_FILE_BYTES), options.operator);
}

/** The files the loader reads, in path order (the order diagnostics and duplicate checks follow). */
function fleetFiles(snapshot: RepoSnapshot, options: LoadOptions): SourceFile[] {
  return snapshot.files.filter((f) => isFleetFile(f.path, options.subPath)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Everything after parsing: schema checks, normalisation, expansion, cross-document checks. */
function loadParsed(snapshot: RepoSnapshot, parsedFiles: readonly ParsedFile[], operator: OperatorRules | undefined): LoadResult {
  const out: Diagnostic[] = [];
  for (const r of snapshot.refused ?? []) {
    out.push({ file: r.path, line: r.line ?? 1, col: r.col ?? 1, severity: "error", code: r.code, message: r.message, path: "" });
  }
  const collected: Collected = { Host: [], Service: [], Job: [], Template: [], Policy: [], named: [], brokenTemplates: new Set() };
  for (const parsed of parsedFiles) {
    out.push(...parsed.diagnostics);
    for (const doc of parsed.documents) collect(doc, collected, out);
  }

  checkDuplicateNames(collected.named, (kind) => (kind === "Job" ? "Service" : kind), out);
  const policy = normalisePolicy(collected.Policy, out);
  if (operator) for (const p of collected.Policy) checkPolicyCeiling(p, operator, out);

  const hosts: HostSpec[] = [];
  for (const h of collected.Host) {
    if (operator) checkHostEndpoint(h, operator, out);
    const host = normaliseHost(h, out);
    if (host !== undefined) hosts.push(host);
  }

  // Every service's first exposed port, from all Service documents before any pod is expanded: `${{ services.NAME.address }}`.
  const addresses: ServiceAddresses = new Map(collected.Service.map((s) => [s.doc.metadata.name, s.doc.spec.expose?.[0]?.port]));

  const usable = new Map<string, Located<TemplateDoc>>();
  const templates: TemplateSpec[] = [];
  for (const t of collected.Template) {
    const name = t.doc.metadata.name;
    if (usable.has(name) || collected.brokenTemplates.has(name)) continue; // a duplicate, reported above
    const problems = checkTemplate(t, { services: addresses });
    out.push(...problems);
    if (problems.some((d) => d.severity === "error")) collected.brokenTemplates.add(name);
    else {
      usable.set(name, t);
      templates.push({ name, doc: t.doc, source: { file: t.at.file, line: t.at.start.line } });
    }
  }
  const catalog: TemplateCatalog = { usable, broken: collected.brokenTemplates };

  const services: ServiceSpec[] = [];
  /** Exposed ports by number, with who claims them: every host answers on them. */
  const claims = new Map<number, PortClaim>();
  const pods: [kind: "Service" | "Job", doc: Located<ServiceDoc | JobDoc>, pod: PodSpec][] = [];
  for (const s of collected.Service) {
    checkWorkloadMode("Service", s, out);
    const { pod, uses, diagnostics } = expandPod({ kind: "service", name: s.doc.metadata.name, spec: s.doc.spec, at: s.at }, catalog, { services: addresses });
    out.push(...diagnostics);
    if (pod === undefined) continue;
    checkPodAgainstPolicy(pod, s.doc.spec, s.at, policy, out);
    if (operator) checkPodSecrets(pod, s.doc.spec, s.at, operator, out);
    const expose = exposedPorts(s, pod, claims, out);
    const autoscale = normaliseAutoscale(s, operator, out);
    const service = { ...normaliseService(s, pod, out), ...(uses && Object.keys(uses).length > 0 ? { uses } : {}), ...(expose.length > 0 ? { expose } : {}), ...(autoscale ? { autoscale } : {}) };
    checkPlacement("Service", service.name, service.placement, pod, service.replicas, hosts, s.at, out);
    services.push(service);
    pods.push(["Service", s, pod]);
  }
  const jobs: JobSpec[] = [];
  for (const j of collected.Job) {
    checkWorkloadMode("Job", j, out);
    const { pod, diagnostics } = expandPod({ kind: "job", name: j.doc.metadata.name, spec: j.doc.spec, at: j.at }, catalog, { services: addresses });
    out.push(...diagnostics);
    if (pod === undefined) continue;
    checkPodAgainstPolicy(pod, j.doc.spec, j.at, policy, out);
    if (operator) checkPodSecrets(pod, j.doc.spec, j.at, operator, out);
    const job = normaliseJob(j, pod, out);
    checkPlacement("Job", job.name, job.placement, pod, 1, hosts, j.at, out);
    jobs.push(job);
    pods.push(["Job", j, pod]);
  }
  if (claims.size > 0) for (const [kind, doc, pod] of pods) checkHostPortsAgainstExposed(kind, doc, pod, claims, out);

  const diagnostics = dedupe(sortDiagnostics(out));
  if (hasErrors(diagnostics)) return { ok: false, diagnostics };
  const byName = <T extends { name: string }>(list: T[]): T[] => list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    ok: true,
    fleet: { hosts: byName(hosts), services: byName(services), jobs: byName(jobs), templates: byName(templates), policy },
    diagnostics,
  };
}

/** Sorts one parsed document into its kind after the envelope and schema checks. */
function collect(doc: ParsedDocument, collected: Collected, out: Diagnostic[]): void {
  const value = doc.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    out.push(diagnosticAt(doc, [], "not-a-document", `a berth document must be a mapping with apiVersion, kind, metadata and spec; got ${Array.isArray(value) ? "a list" : JSON.stringify(value)}`));
    return;
  }
  const record = value as Record<string, unknown>;
  const kind = record["kind"];
  if (kind === undefined) {
    out.push(diagnosticAt(doc, [], "schema", `missing required field "kind" (one of ${DOCUMENT_KINDS.join(", ")})`));
    return;
  }
  if (typeof kind !== "string" || !(DOCUMENT_KINDS as readonly string[]).includes(kind)) {
    out.push(diagnosticAt(doc, ["kind"], "unknown-kind", `unknown kind ${JSON.stringify(kind)}; expected one of ${DOCUMENT_KINDS.join(", ")}`));
    return;
  }
  const k = kind as DocumentKind;
  const metadata = record["metadata"];
  const name = metadata !== null && typeof metadata === "object" ? (metadata as Record<string, unknown>)["name"] : undefined;
  if (typeof name === "string") collected.named.push({ kind: k, name, at: doc });

  const validate = documentValidators()[k];
  if (!validate(value)) {
    out.push(...schemaDiagnostics(doc, validate.errors ?? []));
    if (k === "Template" && typeof name === "string") collected.brokenTemplates.add(name);
    return;
  }
  switch (k) {
    case "Host":
      collected.Host.push({ doc: value as HostDoc, at: doc });
      break;
    case "Service":
      collected.Service.push({ doc: value as ServiceDoc, at: doc });
      break;
    case "Job":
      collected.Job.push({ doc: value as JobDoc, at: doc });
      break;
    case "Template":
      collected.Template.push({ doc: value as TemplateDoc, at: doc });
      break;
    case "Policy":
      collected.Policy.push({ doc: value as PolicyDoc, at: doc });
      break;
  }
}

/** The same mistake found through two services (e.g. in a shared template) is reported once. */
function dedupe(list: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.file}:${d.line}:${d.col}:${d.severity}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
