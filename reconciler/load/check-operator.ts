/**
 * What the operator's configuration refuses (DESIGN §2, "Who decides
 * what"), checked at load time so that validate, plan, apply and run all
 * refuse before any connection: secret references outside the secrets
 * folder or the allowed variable names, plain-TCP engines outside the
 * allowed addresses, and a Policy that allows more than the ceiling.
 * Pods are checked after template expansion, since a template parameter
 * can be what names the file.
 */
import path from "node:path";
import { secretEnvAllowed, secretFilePath } from "../config/secret-rules.ts";
import { plainTcpAllowed, tcpHost } from "../config/engine-rules.ts";
import type { HostDoc, PodFieldsDoc, PolicyDoc } from "../model/documents.ts";
import type { OperatorConfig } from "../model/operator-config.ts";
import type { PodSpec } from "../model/pod.ts";
import type { Diagnostic } from "./diagnostic.ts";
import { diagnosticAt } from "./diagnostic-at.ts";
import type { Located, ParsedDocument, PathSegment } from "./parse-yaml.ts";

/** The operator's rules as the loader needs them, with how to follow symlinks (fs.realpathSync in the CLI; a stand-in in tests). */
export interface OperatorRules {
  readonly config: OperatorConfig;
  readonly realpath: (p: string) => string;
}

export function configName(config: OperatorConfig): string {
  return config.file ? `the operator config ${config.file}` : "the default operator config, as no --config was given";
}

/** Where in a Service or Job document a pod's container comes from: its own fields, or the `uses` entry of its template. */
export function containerField(spec: PodFieldsDoc & { readonly uses?: readonly { readonly template: string }[] }, c: { readonly name: string; readonly template?: string }, field: PathSegment[]): PathSegment[] {
  if (c.name === "main") return ["spec", ...field];
  const i = (spec.uses ?? []).findIndex((u) => u.template === c.template);
  return i < 0 ? ["spec", "image"] : ["spec", "uses", i];
}

/** Every secret reference of the pod must be one the operator allows. */
export function checkPodSecrets(pod: PodSpec, spec: PodFieldsDoc, at: ParsedDocument, rules: OperatorRules, out: Diagnostic[]): void {
  const { secrets } = rules.config;
  for (const c of pod.containers) {
    c.secretEnv.forEach((ref, i) => {
      const who = c.name === "main" ? "" : ` (container ${JSON.stringify(c.name)} of template ${JSON.stringify(c.template)})`;
      if ("fromEnv" in ref) {
        if (!secretEnvAllowed(ref.fromEnv, secrets)) {
          out.push(
            diagnosticAt(at, containerField(spec, c, ["secretEnv", i, "fromEnv"]), "secret-refused", `secret ${ref.name}${who}: fromEnv ${ref.fromEnv} is not a variable the operator lets repositories read (allowed: ${secrets.env.join(", ")}; secrets.env in ${configName(rules.config)})`),
          );
        }
        return;
      }
      const r = secretFilePath(ref.fromFile, secrets, rules.realpath);
      if ("refused" in r) out.push(diagnosticAt(at, containerField(spec, c, ["secretEnv", i, "fromFile"]), "secret-refused", `secret ${ref.name}${who}: fromFile ${r.refused} (secrets.dir in ${configName(rules.config)}); put the file there, or ask the operator`));
    });
  }
}

/** A Host reached over plain TCP must be at an address the operator allows (default: loopback). */
export function checkHostEndpoint({ doc, at }: Located<HostDoc>, rules: OperatorRules, out: Diagnostic[]): void {
  if (doc.spec.insecure !== true) return;
  const host = tcpHost(doc.spec.endpoint);
  if (host === undefined || plainTcpAllowed(host, rules.config)) return;
  out.push(
    diagnosticAt(
      at,
      ["spec", "insecure"],
      "insecure-refused",
      `plain TCP to ${host} is refused: whoever controls that engine would receive every secret and registry credential berth sends it. Give \`tls\` files, or the operator can allow the address in engines.plainTcp of ${configName(rules.config)} (allowed now: ${rules.config.plainTcp.join(", ")})`,
      { key: true },
    ),
  );
}

/** True when host path `p`, normalised (`/srv/data/../../` is `/`), is one of `roots` or below one. */
export function hostPathUnder(p: string, roots: readonly string[]): boolean {
  const n = path.posix.normalize(p).replace(/(.)\/$/, "$1");
  return roots.some((root) => {
    const base = path.posix.normalize(root).replace(/(.)\/$/, "$1");
    return base === "/" || n === base || n.startsWith(`${base}/`);
  });
}

/** A registry entry of a Policy is within the ceiling when it is one of the ceiling's, or narrower (`host/prefix` under `host`). */
function registryWithin(entry: string, ceiling: readonly string[]): boolean {
  return ceiling.some((c) => entry === c || entry.startsWith(c.endsWith("/") ? c : `${c}/`));
}

/** A Policy can only narrow the operator's ceiling; what it allows beyond it is refused at the field that asks. */
export function checkPolicyCeiling({ doc, at }: Located<PolicyDoc>, rules: OperatorRules, out: Diagnostic[]): void {
  const { ceiling } = rules.config;
  const s = doc.spec ?? {};
  const refuse = (p: PathSegment[], what: string, field: string) =>
    out.push(diagnosticAt(at, p, "policy-beyond-ceiling", `the Policy allows ${what}, which the operator's ceiling does not (ceiling.${field} in ${configName(rules.config)}); remove it, or ask the operator`));
  if (s.allowPrivileged === true && !ceiling.privileged) refuse(["spec", "allowPrivileged"], "privileged containers", "privileged");
  if (s.allowHostNetwork === true && !ceiling.hostNetwork) refuse(["spec", "allowHostNetwork"], "host networking", "hostNetwork");
  (s.allowedHostPaths ?? []).forEach((p, i) => {
    if (!hostPathUnder(p, ceiling.hostPaths)) refuse(["spec", "allowedHostPaths", i], `bind mounts of ${JSON.stringify(p)}`, "hostPaths");
  });
  if (ceiling.registries) {
    (s.allowedRegistries ?? []).forEach((r, i) => {
      if (!registryWithin(r, ceiling.registries!)) refuse(["spec", "allowedRegistries", i], `images from ${JSON.stringify(r)}`, "registries");
    });
  }
}
