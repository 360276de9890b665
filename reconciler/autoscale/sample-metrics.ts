/**
 * The metrics an autoscaled service follows, read now: the engines' own cpu
 * of each running main container (the stats API), in percent of that
 * container's cpu (of one core without one), averaged over the pods; and a
 * Prometheus instant query that must come back as one number. What cannot
 * be read is left out of the sample, with why: the decision then holds the
 * count (decide.ts).
 */
import type { DockerHost, ObservedContainer } from "../docker/types.ts";
import type { ServiceSpec } from "../model/fleet.ts";
import type { MetricSample } from "./decide.ts";

export interface SampleDeps {
  readonly hosts: ReadonlyMap<string, DockerHost>;
  /** This owner's containers, as last observed. */
  readonly observed: readonly ObservedContainer[];
  readonly fetch?: typeof fetch;
  /** A Prometheus query taking longer than this counts as unavailable (default 5 s). */
  readonly timeoutMs?: number;
}

export interface Sampled {
  readonly sample: MetricSample;
  /** Why a metric the service follows is missing from `sample`. */
  readonly problems: readonly string[];
}

export async function sampleMetrics(svc: ServiceSpec, deps: SampleDeps): Promise<Sampled> {
  const a = svc.autoscale;
  const problems: string[] = [];
  let cpuPercent: number | undefined;
  let prometheus: number | undefined;
  if (a?.cpuPercent !== undefined) {
    const mains = deps.observed.filter((c) => c.kind === "service" && c.group === svc.name && c.container === "main" && c.state === "running");
    const limit = svc.pod.containers[0]?.resources.cpu || 1;
    const each = await Promise.all(mains.map((c) => deps.hosts.get(c.host)?.cpuCores(c.id).catch(() => undefined)));
    const read = each.filter((x): x is number => x !== undefined);
    if (read.length === 0) problems.push(mains.length === 0 ? "cpu: no running pod to measure" : `cpu: the engines gave no sample for ${mains.length} running pod${mains.length === 1 ? "" : "s"}`);
    else cpuPercent = (read.reduce((s, x) => s + x, 0) / read.length / limit) * 100;
  }
  if (a?.prometheus) {
    const r = await queryPrometheus(a.prometheus.url, a.prometheus.query, deps);
    if (typeof r === "number") prometheus = r;
    else problems.push(`prometheus: ${r}`);
  }
  return { sample: { ...(cpuPercent !== undefined ? { cpuPercent } : {}), ...(prometheus !== undefined ? { prometheus } : {}) }, problems };
}

/** The query's one number, or why there is none. */
export async function queryPrometheus(url: string, query: string, deps: Pick<SampleDeps, "fetch" | "timeoutMs">): Promise<number | string> {
  let body: { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  try {
    const res = await (deps.fetch ?? fetch)(`${url}/api/v1/query?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(deps.timeoutMs ?? 5_000) });
    body = (await res.json()) as typeof body;
    if (!res.ok || body.status !== "success") return `${url} answered ${res.status}${body.error ? `: ${body.error}` : ""}`;
  } catch (err) {
    return `${url} did not answer (${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)})`;
  }
  const { resultType, result } = body.data ?? {};
  let value: unknown;
  if (resultType === "scalar") value = (result as unknown[])[1];
  else if (resultType === "vector" && Array.isArray(result)) {
    if (result.length !== 1) return `${JSON.stringify(query)} gave ${result.length} series, not one; aggregate it (avg(…), sum(…))`;
    value = (result[0] as { value: unknown[] }).value[1];
  } else return `${JSON.stringify(query)} gave a ${resultType ?? "result"} of no single value`;
  const n = Number(value);
  return Number.isFinite(n) ? n : `${JSON.stringify(query)} gave ${String(value)}`;
}
