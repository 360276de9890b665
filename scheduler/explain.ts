/**
 * Explanations for replicas that cannot be placed, aggregated by reason over
 * every host: `4 hosts: cpu exhausted (needs 0.5, most free 0.25); 2 hosts:
 * constraint zone == a not met`. Each host is counted under the first filter
 * of the list that rejects it — the list placement used. Only computed when
 * placement fails.
 */
import type { FleetState } from "./fleet-state.ts";
import { firstRejecting, type Filter, type Pod } from "./filters.ts";
import type { ReasonCount } from "./types.ts";

export { formatMemory } from "./units.ts";

/** Runs `filters` on every host for one pod and counts the hosts per reason they reject it, most common first. */
export function explainUnplaced(st: FleetState, pod: Pod, filters: readonly Filter[]): ReasonCount[] {
  const rejected: number[][] = filters.map(() => []);
  let passing = 0;
  for (let h = 0; h < st.hosts.length; h++) {
    const i = firstRejecting(filters, st, pod, h);
    if (i < 0) passing++;
    else rejected[i]!.push(h);
  }
  const reasons: ReasonCount[] = [];
  filters.forEach((f, i) => {
    if (rejected[i]!.length > 0) reasons.push(...f.explain(st, pod, rejected[i]!));
  });
  // Hosts that pass every filter only exist when spread or the search limit
  // left them out; say so rather than hide them.
  if (passing) reasons.push({ reason: "fits, but was not chosen (spread balance)", hosts: passing });
  if (st.hosts.length === 0) reasons.push({ reason: "no hosts in the fleet", hosts: 0 });
  return reasons.sort((a, b) => b.hosts - a.hosts || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
}

/** Reason counts as one line: `4 hosts: cpu exhausted (...); 2 hosts: constraint zone == a not met`. */
export function formatReasons(reasons: readonly ReasonCount[]): string {
  return reasons.map((r) => (r.reason === "no hosts in the fleet" ? r.reason : `${r.hosts} host${r.hosts === 1 ? "" : "s"}: ${r.reason}`)).join("; ");
}
