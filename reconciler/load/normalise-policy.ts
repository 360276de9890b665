/**
 * The Policy document (at most one) → `PolicySpec`, and the checks of pods
 * against it: privileged containers, host network, bind mounts, registries.
 */
import { containerField, hostPathUnder } from "./check-operator.ts";
import type { PolicyDoc, PodFieldsDoc } from "../model/documents.ts";
import type { PolicySpec } from "../model/fleet.ts";
import type { PodSpec } from "../model/pod.ts";
import type { Diagnostic } from "./diagnostic.ts";
import type { Located, ParsedDocument } from "./parse-yaml.ts";
import { diagnosticAt } from "./diagnostic-at.ts";

/** What applies when the repository has no Policy: nothing privileged, no host network, no bind mounts, any registry. */
export const DEFAULT_POLICY: PolicySpec = { allowPrivileged: false, allowHostNetwork: false, allowedHostPaths: [], allowEmpty: false };

/** Picks the repository's Policy; a second one is an error, since two policies could contradict each other. */
export function normalisePolicy(policies: readonly Located<PolicyDoc>[], out: Diagnostic[]): PolicySpec {
  const [first, ...extra] = policies;
  for (const p of extra) {
    out.push(diagnosticAt(p.at, ["metadata", "name"], "duplicate-policy", `a repository has at most one Policy; ${JSON.stringify(first?.doc.metadata.name)} is already declared in ${first?.at.file}:${first?.at.start.line}`));
  }
  if (first === undefined) return DEFAULT_POLICY;
  const s = first.doc.spec;
  return {
    allowPrivileged: s.allowPrivileged === true,
    allowHostNetwork: s.allowHostNetwork === true,
    allowEmpty: s.allowEmpty === true,
    allowedHostPaths: [...(s.allowedHostPaths ?? [])],
    ...(s.allowedRegistries === undefined ? {} : { allowedRegistries: [...s.allowedRegistries] }),
    source: { file: first.at.file, line: first.at.start.line },
  };
}

/**
 * The registry part of an image reference, as Docker reads it: the first
 * path component when it looks like a host (has `.` or `:`, or is
 * `localhost`), else Docker Hub.
 * @example imageRegistry("127.0.0.1:5000/berth/app:v1") // "127.0.0.1:5000"
 */
export function imageRegistry(image: string): string {
  const slash = image.indexOf("/");
  if (slash < 0) return "docker.io";
  const first = image.slice(0, slash);
  return first.includes(".") || first.includes(":") || first === "localhost" ? first : "docker.io";
}

/** True when `image` comes from a registry (or registry/prefix) the policy lists. */
export function imageAllowed(image: string, allowed: readonly string[]): boolean {
  const registry = imageRegistry(image);
  const full = registry === "docker.io" && !image.startsWith("docker.io/") ? `docker.io/${image}` : image;
  return allowed.some((entry) => entry === registry || full.startsWith(entry.endsWith("/") ? entry : `${entry}/`));
}


/** Checks one pod (built from `spec` in `at`) against the policy, reporting at the field that asks for too much. */
export function checkPodAgainstPolicy(pod: PodSpec, spec: PodFieldsDoc, at: ParsedDocument, policy: PolicySpec, out: Diagnostic[]): void {
  const where = policy.source === undefined ? "no Policy document allows it" : `the Policy in ${policy.source.file} does not allow it`;
  if (spec.privileged === true && !policy.allowPrivileged) {
    out.push(diagnosticAt(at, ["spec", "privileged"], "policy", `privileged containers are refused: ${where} (allowPrivileged)`));
  }
  if (spec.hostNetwork === true && !policy.allowHostNetwork) {
    out.push(diagnosticAt(at, ["spec", "hostNetwork"], "policy", `host networking is refused: ${where} (allowHostNetwork)`));
  }
  (spec.volumes ?? []).forEach((v, i) => {
    // Normalised first: Docker cleans `/srv/data/../../` to `/`, and so must the check.
    if (v.hostPath !== undefined && !hostPathUnder(v.hostPath, policy.allowedHostPaths)) {
      out.push(diagnosticAt(at, ["spec", "volumes", i, "hostPath"], "policy", `bind mount of host folder ${JSON.stringify(v.hostPath)} is refused: ${where} (allowedHostPaths)`));
    }
  });
  for (const c of pod.containers) {
    const path = containerField(spec, c, ["image"]);
    if (c.name !== "main" && c.privileged && !policy.allowPrivileged) {
      out.push(diagnosticAt(at, path, "policy", `template ${JSON.stringify(c.template)} adds privileged container ${JSON.stringify(c.name)}: ${where} (allowPrivileged)`));
    }
    if (policy.allowedRegistries !== undefined && !imageAllowed(c.image, policy.allowedRegistries)) {
      const who = c.name === "main" ? "image" : `image of container ${JSON.stringify(c.name)} (template ${JSON.stringify(c.template)})`;
      out.push(diagnosticAt(at, path, "policy", `${who} ${JSON.stringify(c.image)} comes from registry ${JSON.stringify(imageRegistry(c.image))}, which the Policy does not allow (allowedRegistries: ${policy.allowedRegistries.join(", ")})`));
    }
  }
}
