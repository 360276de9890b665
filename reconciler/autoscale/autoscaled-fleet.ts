/**
 * The replica count an autoscaled service runs at: the controller's last
 * decision (kept in the deployment record), within the bounds git sets now,
 * so a commit that changes the bounds takes effect at once; `replicas` in
 * git until the first decision. `berth plan`, `berth apply` and the daemon
 * all plan from this, so what the plan prints is what is applied.
 */
import type { AutoscaledCount } from "../model/deployed.ts";
import type { AutoscaleSpec, ServiceSpec } from "../model/fleet.ts";
import type { ServiceAutoscale } from "../plan/types.ts";

export function autoscaledReplicas(spec: AutoscaleSpec, gitReplicas: number, last: AutoscaledCount | undefined): number {
  return Math.min(spec.max, Math.max(spec.min, last?.replicas ?? gitReplicas));
}

/** The services with their autoscaled counts, and what the plan says of each. */
export function withAutoscaled(services: readonly ServiceSpec[], counts: Readonly<Record<string, AutoscaledCount>> | undefined): (ServiceSpec & { readonly autoscaleInfo?: ServiceAutoscale })[] {
  return services.map((s) => {
    if (!s.autoscale) return s;
    const last = counts?.[s.name];
    return {
      ...s,
      replicas: autoscaledReplicas(s.autoscale, s.replicas, last),
      autoscaleInfo: { min: s.autoscale.min, max: s.autoscale.max, gitReplicas: s.replicas, ...(last ? { reason: last.reason, at: last.at } : {}) },
    };
  });
}
