/**
 * The diff: desired pods (placed by the scheduler) against observed pods,
 * into a Plan of buckets with reasons. Pure: no clock, no I/O; `now` is
 * passed in. Only containers of this owner reach it (the adapter filters on
 * `berth.managed` and `berth.owner`), so nothing unmanaged can be in a plan.
 */
import type { SlotPlacement } from "../../scheduler/types.ts";
import type { RolloutPolicy } from "../model/fleet.ts";
import type { PodSpec } from "../model/pod.ts";
import { groupServicePods, type ObservedContainerView, type ObservedPod } from "./observed-pods.ts";
import { describeSpecChanges, type TemplateUses } from "./spec-changes.ts";
import type { Plan, PlanChange, PlanHost, PlanSummary, ServicePlan } from "./types.ts";
import { buildWaves } from "./waves.ts";

export interface DesiredService {
  readonly name: string;
  readonly replicas: number;
  readonly pod: PodSpec;
  readonly rollout: RolloutPolicy;
  readonly uses?: TemplateUses;
}

export type { SlotPlacement };

export interface UnplacedSlots {
  readonly group: string;
  readonly slots: readonly number[];
  /** The scheduler's explanation, aggregated by reason. */
  readonly reason: string;
}

export interface DiffInput {
  readonly owner: string;
  readonly commit: string;
  /** Milliseconds since the epoch; only recorded in the plan. */
  readonly now: number;
  readonly services: readonly DesiredService[];
  readonly placements: readonly SlotPlacement[];
  readonly unplaced: readonly UnplacedSlots[];
  readonly hosts: readonly PlanHost[];
  /** Containers observed on the reachable hosts. */
  readonly observed: readonly ObservedContainerView[];
}

const ACTION_ORDER: Record<PlanChange["action"], number> = { remove: 0, recreate: 1, replace: 2, create: 3, keep: 4, unplaced: 5 };

function fixedHostPorts(pod: PodSpec): number[] {
  return pod.ports.filter((p) => p.hostPort !== undefined).map((p) => p.hostPort!);
}

function moveReason(from: string, to: string, hosts: ReadonlyMap<string, PlanHost>): string {
  const state = hosts.get(from)?.state;
  if (state === "drained") return `moved from ${from} to ${to}: ${from} is drained`;
  if (hosts.get(from) === undefined) return `moved from ${from} to ${to}: ${from} is no longer a host in git`;
  return `moved from ${from} to ${to}: rescheduled`;
}

/** Running and past its health check (or without one): it counts for the service now. */
function isReady(p: ObservedPod): boolean {
  return p.condition === "running" && p.ref.status !== "starting";
}

/** Picks the pod that stands for a slot: a ready one, on the target host first, then any running one, then any. */
function pickCurrent(candidates: readonly ObservedPod[], host: string): ObservedPod | undefined {
  const score = (p: ObservedPod) => (isReady(p) ? 4 : 0) + (p.condition === "running" ? 2 : 0) + (p.ref.host === host ? 1 : 0);
  return [...candidates].sort((a, b) => score(b) - score(a))[0];
}

function diffService(svc: DesiredService, pods: readonly ObservedPod[], input: DiffInput, hosts: ReadonlyMap<string, PlanHost>): PlanChange[] {
  const changes: PlanChange[] = [];
  const placed = new Map(input.placements.filter((p) => p.group === svc.name).map((p) => [p.slot, p.host]));
  const unplaced = new Map<number, string>();
  for (const u of input.unplaced) if (u.group === svc.name) for (const s of u.slots) unplaced.set(s, u.reason);
  const bySlot = new Map<number, ObservedPod[]>();
  for (const p of pods) bySlot.set(p.ref.slot, [...(bySlot.get(p.ref.slot) ?? []), p]);
  const hash = svc.pod.specHash;

  // Slot numbers come from the scheduler: stable identities, possibly with
  // gaps after a scale-down (it keeps the pods on the least loaded hosts).
  const desired = [...new Set([...placed.keys(), ...unplaced.keys()])].sort((a, b) => a - b);
  for (const slot of desired) {
    const candidates = bySlot.get(slot) ?? [];
    const host = placed.get(slot);
    if (host === undefined) {
      const left = pickCurrent(candidates, "");
      changes.push({ action: "unplaced", slot, reason: unplaced.get(slot) ?? "no host was chosen", ...(left ? { left: left.ref } : {}) });
      continue;
    }
    const same = candidates.filter((p) => p.ref.host === host && p.ref.specHash === hash);
    let match = same.find(isReady) ?? same.find((p) => p.condition === "running") ?? same[0];
    // An interrupted rollout (berth stopped mid-way) can leave a new pod that is
    // still starting next to the ready old one. Keeping the new pod would drop
    // the old one before its replacement counts, so the slot is replaced
    // afresh, health-gated, and the unfinished pod goes.
    if (match && !isReady(match) && candidates.some(isReady)) match = undefined;
    let current: ObservedPod | undefined;
    if (match) {
      current = match;
      if (match.condition === "running") changes.push({ action: "keep", slot, host, from: match.ref });
      else changes.push({ action: "recreate", slot, host, from: match.ref, reason: match.ref.status });
    } else if (candidates.length > 0) {
      current = pickCurrent(candidates, host)!;
      const reasons = current.ref.specHash === hash ? [] : current.spec ? describeSpecChanges(current.spec, svc.pod, current.uses, svc.uses) : ["spec changed"];
      if (current.ref.host !== host) reasons.push(moveReason(current.ref.host, host, hosts));
      if (current.condition !== "running") reasons.push(`current pod is ${current.ref.status}`);
      const ports = fixedHostPorts(svc.pod);
      const portClash = svc.rollout.order === "start-first" && current.ref.host === host && ports.length > 0 && current.condition === "running";
      changes.push({
        action: "replace",
        slot,
        host,
        from: current.ref,
        reasons,
        order: portClash ? "stop-first" : svc.rollout.order,
        ...(portClash ? { orderReason: `host port ${ports.join(", ")} is held by the old pod on ${host}` } : {}),
      });
    } else {
      changes.push({ action: "create", slot, host, reason: pods.length === 0 ? "new service" : `no pod for slot ${slot}` });
    }
    for (const p of candidates) {
      if (p !== current) changes.push({ action: "remove", slot, host: p.ref.host, from: p.ref, reason: `duplicate pod for slot ${slot} (${p.ref.status})` });
    }
  }
  const wanted = new Set(desired);
  for (const [slot, list] of [...bySlot].filter(([s]) => !wanted.has(s))) {
    for (const p of list) changes.push({ action: "remove", slot, host: p.ref.host, from: p.ref, reason: `scaled down to ${svc.replicas}` });
  }
  return changes.sort((a, b) => a.slot - b.slot || ACTION_ORDER[a.action] - ACTION_ORDER[b.action]);
}

function summarise(services: readonly ServicePlan[]): PlanSummary {
  const count = { create: 0, replace: 0, recreate: 0, remove: 0, keep: 0, unplaced: 0 };
  for (const s of services) for (const c of s.changes) count[c.action]++;
  return { ...count, inSync: count.create + count.replace + count.recreate + count.remove === 0 };
}

/**
 * Turns desired and observed state into a Plan.
 * @example
 * const plan = diffFleet({ owner, commit, now: Date.now(), services, placements, unplaced, hosts, observed });
 * if (!plan.summary.inSync) console.log(formatPlanText(plan));
 */
export function diffFleet(input: DiffInput): Plan {
  const hosts = new Map(input.hosts.map((h) => [h.name, h]));
  const pods = groupServicePods(input.observed);
  const byGroup = new Map<string, ObservedPod[]>();
  for (const p of pods) byGroup.set(p.group, [...(byGroup.get(p.group) ?? []), p]);

  const services: ServicePlan[] = [...input.services]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((svc) => {
      const changes = diffService(svc, byGroup.get(svc.name) ?? [], input, hosts);
      return {
        name: svc.name,
        kind: "service" as const,
        replicas: svc.replicas,
        pod: svc.pod,
        ...(svc.uses ? { uses: svc.uses } : {}),
        rollout: svc.rollout,
        changes,
        waves: buildWaves(changes, svc.rollout),
      };
    });
  const wanted = new Set(input.services.map((s) => s.name));
  for (const [group, list] of [...byGroup].filter(([g]) => !wanted.has(g)).sort(([a], [b]) => a.localeCompare(b))) {
    const changes: PlanChange[] = list.map((p) => ({ action: "remove", slot: p.ref.slot, host: p.ref.host, from: p.ref, reason: "service deleted from git" }));
    services.push({ name: group, kind: "removed", replicas: 0, changes, waves: buildWaves(changes, undefined) });
  }
  return {
    apiVersion: "berth/v1",
    kind: "Plan",
    owner: input.owner,
    commit: input.commit,
    createdAt: new Date(input.now).toISOString(),
    hosts: [...input.hosts].sort((a, b) => a.name.localeCompare(b.name)),
    services,
    summary: summarise(services),
  };
}
