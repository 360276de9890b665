/**
 * A Service's `spec.autoscale` → AutoscaleSpec, with defaults (HPA's: 5 m
 * before scaling in, at once out, 4 replicas a step), and the checks the
 * schema cannot make: bounds in order, not on a global service, and a
 * Prometheus server the operator allows.
 */
import type { ServiceDoc } from "../model/documents.ts";
import type { AutoscaleSpec } from "../model/fleet.ts";
import { parseDuration } from "../model/quantity.ts";
import { configName, type OperatorRules } from "./check-operator.ts";
import type { Diagnostic } from "./diagnostic.ts";
import { diagnosticAt } from "./diagnostic-at.ts";
import type { Located } from "./parse-yaml.ts";

export const DEFAULT_AUTOSCALE = { scaleInWindowMs: 5 * 60_000, scaleOutWindowMs: 0, maxStep: 4 } as const;

export function normaliseAutoscale({ doc, at }: Located<ServiceDoc>, operator: OperatorRules | undefined, out: Diagnostic[]): AutoscaleSpec | undefined {
  const a = doc.spec.autoscale;
  if (!a) return undefined;
  if (!a.cpu && !a.prometheus) out.push(diagnosticAt(at, ["spec", "autoscale"], "autoscale-no-metric", "autoscale needs a metric to follow: cpu: {targetPercent: …}, prometheus: {url, query, target}, or both", { key: true }));
  if (a.min > a.max) out.push(diagnosticAt(at, ["spec", "autoscale", "max"], "autoscale-bounds", `autoscale max ${a.max} is below min ${a.min}`));
  if (doc.spec.placement?.mode === "global") out.push(diagnosticAt(at, ["spec", "autoscale"], "autoscale-global", "a global service runs one pod per host: it cannot be autoscaled; remove autoscale or placement.mode", { key: true }));
  if (a.prometheus && operator) {
    const origin = originOf(a.prometheus.url);
    const allowed = operator.config.autoscale.prometheusUrls;
    if (!origin || !allowed.includes(origin)) {
      out.push(
        diagnosticAt(
          at,
          ["spec", "autoscale", "prometheus", "url"],
          "prometheus-refused",
          `Prometheus ${origin ?? JSON.stringify(a.prometheus.url)} is not one the operator lets repositories query (allowed: ${allowed.length ? allowed.join(", ") : "none"}; autoscale.prometheusUrls in ${configName(operator.config)})`,
        ),
      );
    }
  }
  return {
    min: a.min,
    max: a.max,
    ...(a.cpu ? { cpuPercent: a.cpu.targetPercent } : {}),
    ...(a.prometheus ? { prometheus: { url: a.prometheus.url.replace(/\/+$/, ""), query: a.prometheus.query, target: a.prometheus.target } } : {}),
    scaleInWindowMs: a.stabilization?.scaleIn ? parseDuration(a.stabilization.scaleIn) : DEFAULT_AUTOSCALE.scaleInWindowMs,
    scaleOutWindowMs: a.stabilization?.scaleOut ? parseDuration(a.stabilization.scaleOut) : DEFAULT_AUTOSCALE.scaleOutWindowMs,
    maxStep: a.maxStep ?? DEFAULT_AUTOSCALE.maxStep,
  };
}

/** `scheme://host:port` of a URL without credentials, path or query; undefined when it has any of those. */
function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.username || u.password || (u.pathname !== "/" && u.pathname !== "") || u.search || u.hash) return undefined;
    return `${u.protocol}//${u.host}`;
  } catch {
    return undefined;
  }
}
