/**
 * Explanations for replicas that cannot be placed, aggregated by reason over
 * every host: `4 hosts: cpu exhausted (needs 0.5, most free 0.25); 2 hosts:
 * constraint zone == a not met`. Only computed when placement fails.
 */
import type { FleetState } from "./fleet-state.ts";
import { rejectReason, type PodNeeds } from "./filters.ts";
import type { ReasonCount } from "./types.ts";

/** Bytes as a short human figure for explanations: `2Gi`, `512Mi`, `900B`. */
export function formatMemory(bytes: number): string {
  if (bytes >= 2 ** 30 && bytes % 2 ** 30 === 0) return `${bytes / 2 ** 30}Gi`;
  if (bytes >= 2 ** 20) return `${Math.round((bytes / 2 ** 20) * 10) / 10}Mi`;
  return `${bytes}B`;
}

function formatCores(milli: number): string {
  return String(Math.round(milli) / 1000);
}

/** Runs every filter on every host for one pod and counts the hosts per reason they reject it, most common first. */
export function explainUnplaced(st: FleetState, needs: PodNeeds, groupName: string, usedByGroup: (h: number) => boolean): ReasonCount[] {
  const counts = new Map<string, number>();
  let mostFreeCpu = -1;
  let mostFreeMem = -1;
  let cpuHosts = 0;
  let memHosts = 0;
  let passing = 0;
  const add = (reason: string) => counts.set(reason, (counts.get(reason) ?? 0) + 1);
  for (let h = 0; h < st.hosts.length; h++) {
    const r = rejectReason(st, h, needs, usedByGroup(h));
    if (!r) {
      passing++;
      continue;
    }
    switch (r.key) {
      case "down":
        add("host down");
        break;
      case "drained":
        add("host drained");
        break;
      case "distinct":
        add(`already runs a replica of ${groupName}`);
        break;
      case "constraint":
        add(r.text);
        break;
      case "port":
        add(`host port ${r.port} in use`);
        break;
      case "cpu":
        cpuHosts++;
        mostFreeCpu = Math.max(mostFreeCpu, r.free);
        break;
      case "memory":
        memHosts++;
        mostFreeMem = Math.max(mostFreeMem, r.free);
        break;
    }
  }
  if (cpuHosts) counts.set(`cpu exhausted (needs ${formatCores(needs.cpuMilli)}, most free ${formatCores(Math.max(0, mostFreeCpu))})`, cpuHosts);
  if (memHosts) counts.set(`memory exhausted (needs ${formatMemory(needs.memory)}, most free ${formatMemory(Math.max(0, mostFreeMem))})`, memHosts);
  // Hosts that pass every filter only exist when spread or the search limit
  // left them out; say so rather than hide them.
  if (passing) counts.set("fits, but was not chosen (spread balance)", passing);
  if (st.hosts.length === 0) counts.set("no hosts in the fleet", 0);
  return [...counts]
    .map(([reason, hosts]) => ({ reason, hosts }))
    .sort((a, b) => b.hosts - a.hosts || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
}

/** Reason counts as one line: `4 hosts: cpu exhausted (...); 2 hosts: constraint zone == a not met`. */
export function formatReasons(reasons: readonly ReasonCount[]): string {
  return reasons.map((r) => (r.reason === "no hosts in the fleet" ? r.reason : `${r.hosts} host${r.hosts === 1 ? "" : "s"}: ${r.reason}`)).join("; ");
}
