/**
 * One autoscaling decision, pure (DESIGN §2, Kubernetes' HPA rules):
 *
 *   recommendation = ceil(current × metric / target), per metric, the
 *   highest of them; none when every metric is within ±10 % of its target
 *   (the tolerance band); clamped to [min, max].
 *
 * Stabilisation: the recommendations of the last `scaleInWindow` (default
 * 5 m) and `scaleOutWindow` (default 0) are kept; a lower count is taken
 * only when every recommendation of the scale-in window was at most that
 * low, a higher one only when every recommendation of the scale-out window
 * was at least that high. Then at most `maxStep` replicas per decision,
 * and the bounds once more, so a commit that changes them takes effect at
 * once. A metric that cannot be read holds the count.
 */
import type { AutoscaleSpec } from "../model/fleet.ts";

/** The service's metrics now, as averages per replica; a metric absent here could not be read. */
export interface MetricSample {
  readonly cpuPercent?: number;
  readonly prometheus?: number;
}

export interface Recommendation {
  readonly at: number;
  readonly replicas: number;
}

export interface DecisionInput {
  readonly spec: AutoscaleSpec;
  readonly current: number;
  readonly sample: MetricSample;
  /** The recommendations kept from earlier decisions, oldest first. */
  readonly history: readonly Recommendation[];
  readonly now: number;
}

export interface Decision {
  readonly replicas: number;
  /** The history to keep for the next decision. */
  readonly history: readonly Recommendation[];
  /** Why, for the plan, status and journal: `cpu 83 % vs target 60 %`. */
  readonly reason: string;
  /** The metrics the spec names that could not be read; with any of them the count holds. */
  readonly unavailable: readonly string[];
}

/** Within this fraction of the target nothing changes (HPA's default). */
export const TOLERANCE = 0.1;

/**
 * @example decide({ spec: { min: 2, max: 10, cpuPercent: 60, scaleInWindowMs: 300_000, scaleOutWindowMs: 0, maxStep: 4 }, current: 2, sample: { cpuPercent: 90 }, history: [], now: 0 }).replicas // 3
 */
export function decide(input: DecisionInput): Decision {
  const { spec, current, sample, now } = input;
  const clamp = (n: number) => Math.min(spec.max, Math.max(spec.min, n));
  const parts: { name: string; text: string; value: number | undefined; target: number }[] = [];
  if (spec.cpuPercent !== undefined) parts.push({ name: "cpu", text: `cpu ${fmt(sample.cpuPercent)} % vs target ${fmt(spec.cpuPercent)} %`, value: sample.cpuPercent, target: spec.cpuPercent });
  if (spec.prometheus) parts.push({ name: "prometheus", text: `${spec.prometheus.query} = ${fmt(sample.prometheus)} vs target ${fmt(spec.prometheus.target)}`, value: sample.prometheus, target: spec.prometheus.target });
  const unavailable = parts.filter((p) => p.value === undefined || !Number.isFinite(p.value)).map((p) => p.name);
  const window = Math.max(spec.scaleInWindowMs, spec.scaleOutWindowMs);
  const kept = input.history.filter((r) => r.at > now - window);
  const reason = parts.map((p) => p.text).join(", ");
  if (unavailable.length > 0) {
    // Held, but still within the bounds git sets now.
    return { replicas: clamp(current), history: kept, reason: `${unavailable.join(" and ")} unavailable: holding ${clamp(current)}`, unavailable };
  }
  const wanted = parts.map((p) => {
    const ratio = p.value! / p.target;
    // The epsilon keeps 66 vs 60 (a ratio of 1.1000000000000001 in floating point) inside the band.
    return Math.abs(ratio - 1) <= TOLERANCE + 1e-9 ? current : Math.ceil(current * ratio);
  });
  const recommendation = clamp(Math.max(...wanted));
  const history = [...kept, { at: now, replicas: recommendation }];
  let up = recommendation;
  let down = recommendation;
  for (const r of history) {
    if (r.at > now - spec.scaleOutWindowMs) up = Math.min(up, r.replicas);
    if (r.at > now - spec.scaleInWindowMs) down = Math.max(down, r.replicas);
  }
  let replicas = current;
  if (replicas < up) replicas = up;
  if (replicas > down) replicas = down;
  const stabilised = replicas;
  replicas = clamp(Math.min(current + spec.maxStep, Math.max(current - spec.maxStep, replicas)));
  // Say so when the count is not the metric's own: a reason that names a value which alone gives 1 must say why it is 2.
  const held = stabilised !== recommendation ? `; ${recommendation} recommended, the ${stabilised > recommendation ? "scale-in" : "scale-out"} window keeps ${stabilised}` : "";
  const stepped = replicas !== stabilised && replicas !== clamp(stabilised) ? `; at most ${spec.maxStep} a step` : "";
  return { replicas, history, reason: `${reason}${held}${stepped}`, unavailable: [] };
}

/** The recommendations to start with: after a start or a restart, a scale-in waits a whole window. */
export function startingHistory(current: number, now: number): Recommendation[] {
  return [{ at: now, replicas: current }];
}

function fmt(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "?";
  return Number.isInteger(n) ? String(n) : n.toFixed(Math.abs(n) < 10 ? 2 : 0);
}
