/**
 * The diff: desired pods (placed by the scheduler) against observed pods,
 * into a Plan of buckets with reasons. Pure: no clock, no I/O; `now` is
 * passed in. Only containers of this owner reach it (the adapter filters on
 * `berth.managed` and `berth.owner`), so nothing unmanaged can be in a plan.
 */
import type { SlotPlacement } from "../../scheduler/types.ts";
import type { DeployedRecord } from "../model/deployed.ts";
import type { ExposedPort, JobSpec, RolloutPolicy } from "../model/fleet.ts";
import { DEFAULT_HOST_LOST_AFTER_MS } from "../model/operator-config.ts";
import { lostFor } from "./host-lost.ts";
import type { PodSpec } from "../model/pod.ts";
import { countNoun } from "./count-noun.ts";
import { diffJobs } from "./job-diff.ts";
import { groupServicePods, type ObservedContainerView, type ObservedPod } from "./observed-pods.ts";
import { describeSpecChanges, type TemplateUses } from "./spec-changes.ts";
import { isUnobserved, mayHoldLeftovers } from "./host-state.ts";
import { planSteps, strategies } from "./steps.ts";
import { podShapeHash } from "../templates/spec-hash.ts";
import type { ContainerResources, JobPlan, Plan, PlanChange, PlanHost, PlanRefusal, PlanSummary, ServiceAutoscale, ServicePlan } from "./types.ts";

export interface DesiredService {
  readonly name: string;
  readonly replicas: number;
  readonly pod: PodSpec;
  readonly rollout: RolloutPolicy;
  readonly uses?: TemplateUses;
  readonly expose?: readonly ExposedPort[];
  readonly global?: boolean;
  readonly autoscale?: ServiceAutoscale;
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
  /** The hosts in git, and (with `leftGit`) the hosts of the record that left it. */
  readonly hosts: readonly PlanHost[];
  /** Containers observed on the reachable hosts. */
  readonly observed: readonly ObservedContainerView[];
  /** The jobs git declares. */
  readonly jobs?: readonly JobSpec[];
  /** What berth deployed before, where (the durable record); absent when there is none. */
  readonly record?: Pick<DeployedRecord, "slots" | "observed" | "jobs"> & Partial<Pick<DeployedRecord, "lastSeen" | "darkSince" | "fromCommit">>;
  /** How long a dark host's slots stay unknown before they are placed elsewhere (default DEFAULT_HOST_LOST_AFTER_MS). */
  readonly hostLostAfterMs?: number;
  /** The repository's Policy says a commit may remove every pod (`allowEmpty: true`). */
  readonly allowEmpty?: boolean;
}

const ACTION_ORDER: Record<PlanChange["action"], number> = { remove: 0, recreate: 1, replace: 2, resize: 3, create: 4, keep: 5, unplaced: 6, unknown: 7 };

function moveReason(from: string, to: string, hosts: ReadonlyMap<string, PlanHost>): string {
  const h = hosts.get(from);
  if (h === undefined || h.leftGit) return `moved from ${from} to ${to}: ${from} is no longer a host in git`;
  if (h.state === "drained") return `moved from ${from} to ${to}: ${from} is drained`;
  return `moved from ${from} to ${to}: rescheduled`;
}


/** darkHosts and slotHost per plan: asked for every slot, they were 20,000 × 10,000 host checks at scale (issue 16). */
const darkOf = new WeakMap<ReadonlyMap<string, PlanHost>, { dark: PlanHost[]; lost: Map<string, number> }>();
const slotHosts = new WeakMap<object, Map<string, string>>();

/** The host the record last saw `group`'s `slot` on. */
function slotHost(input: DiffInput, group: string, slot: number): string | undefined {
  const record = input.record;
  if (!record) return undefined;
  let index = slotHosts.get(record);
  if (!index) {
    index = new Map();
    // The first entry for a slot wins, as find() did.
    for (const s of record.slots) if (!index.has(`${s.group}\0${s.slot}`)) index.set(`${s.group}\0${s.slot}`, s.host);
    slotHosts.set(record, index);
  }
  return index.get(`${group}\0${slot}`);
}

/** The unobserved hosts of the plan, and which of them have been out of sight for longer than `hostLostAfter`. */
function darkHosts(input: DiffInput, hosts: ReadonlyMap<string, PlanHost>): { dark: PlanHost[]; lost: Map<string, number> } {
  const known = darkOf.get(hosts);
  if (known) return known;
  const lostAfter = input.hostLostAfterMs ?? DEFAULT_HOST_LOST_AFTER_MS;
  const lost = new Map<string, number>();
  const dark: PlanHost[] = [];
  for (const h of hosts.values()) {
    if (!isUnobserved(h)) continue;
    const since = lostFor(input.record, h.name, input.now, lostAfter);
    if (since !== undefined) lost.set(h.name, since);
    else dark.push(h);
  }
  darkOf.set(hosts, { dark, lost });
  return { dark, lost };
}

/**
 * Why a slot with no running pod in sight must not be started, or undefined
 * when it may. berth only starts pods on hosts it has observed, and the
 * record keeps where each slot was last seen: with a record, a slot is blind
 * only when it was last seen on a host that is dark now. Without a record
 * (a plan on a machine that never applied), any dark host may hold it. A
 * host dark for longer than `hostLostAfter` is taken as lost: its slots are
 * placed elsewhere, and its extra pods removed when it returns. A host that
 * left git is never a blind spot: its pods go, whatever they are.
 */
function blindSpot(group: string, slot: number, input: DiffInput, hosts: ReadonlyMap<string, PlanHost>): { host?: string; reason: string } | undefined {
  const { dark } = darkHosts(input, hosts);
  if (dark.length === 0) return undefined;
  if (input.record && !input.record.fromCommit) {
    const last = slotHost(input, group, slot);
    const h = dark.find((d) => d.name === last);
    return h ? { host: h.name, reason: `last seen on ${h.name}, which was not observed (${h.error ?? "unreachable"}); nothing is done until it answers` } : undefined;
  }
  const names = dark.map((h) => h.name);
  const which = `${names.join(", ")} ${names.length === 1 ? "was" : "were"} not observed, and there is no record of what runs there`;
  return { ...(names.length === 1 ? { host: names[0]! } : {}), reason: `no pod seen for slot ${slot}, but ${which}: it may run there; nothing is done until ${names.length === 1 ? "it answers" : "they answer"}` };
}

/** 312_000 → "5m12s"; 8_000 → "8s". */
function minutesSeconds(ms: number): string {
  const total = Math.round(ms / 1000);
  const m = Math.floor(total / 60);
  return m > 0 ? `${m}m${String(total % 60).padStart(2, "0")}s` : `${total}s`;
}

/** Why a slot last seen on a lost host is started elsewhere, or undefined: `h7 unreachable for 5m12s: slot 3 moves to h2 …`. */
function lostReason(group: string, slot: number, to: string, input: DiffInput, hosts: ReadonlyMap<string, PlanHost>): string | undefined {
  const last = slotHost(input, group, slot);
  const since = last === undefined ? undefined : darkHosts(input, hosts).lost.get(last);
  if (since === undefined) return undefined;
  const after = minutesSeconds(input.hostLostAfterMs ?? DEFAULT_HOST_LOST_AFTER_MS);
  return `${last} unreachable for ${minutesSeconds(since)} (more than hostLostAfter, ${after}): slot ${slot} moves to ${to}; the old pod is removed if ${last} returns`;
}

/** Running and past its health check (or without one): it counts for the service now. */
function isReady(p: ObservedPod): boolean {
  return p.condition === "running" && p.ref.status !== "starting";
}

/** Picks the pod that stands for a slot: a ready one, on the target host first, then any running one, then any. */
function pickCurrent(candidates: readonly ObservedPod[], host: string, ready: (p: ObservedPod) => boolean = isReady): ObservedPod | undefined {
  const score = (p: ObservedPod) => (ready(p) ? 4 : 0) + (p.condition === "running" ? 2 : 0) + (p.ref.host === host ? 1 : 0);
  return [...candidates].sort((a, b) => score(b) - score(a))[0];
}

/**
 * The running pods of the desired spec in a slot that berth's own probe may
 * never have passed. berth runs its http and tcp probes from outside, during
 * the rollout only: the engine never learns the result and reports no
 * health, so such a pod looks ready from the moment it runs. Next to a ready
 * pod of another spec (the old one) it is a replacement berth was killed
 * while gating, or before it stopped the old pod: the two cannot be told
 * apart, so it is verified again rather than trusted.
 */
function unverifiedPods(candidates: readonly ObservedPod[], pod: PodSpec): ReadonlySet<ObservedPod> {
  if (pod.health.kind !== "http" && pod.health.kind !== "tcp") return new Set();
  if (!candidates.some((p) => p.ref.specHash !== pod.specHash && isReady(p))) return new Set();
  return new Set(candidates.filter((p) => p.ref.specHash === pod.specHash && p.condition === "running"));
}

/**
 * The resize of `current` in place, or undefined when it must be replaced.
 * Only the cpu and memory of containers may differ (same shape hash), and
 * the pod must stay where it runs: the scheduler placed the slot with the
 * desired resources, so the slot kept on its host means the host still
 * fits. A pod whose spec label cannot be read, that is not running, or that
 * sits in an unfinished rollout is replaced, as before resizes existed.
 */
function inPlace(current: ObservedPod, svc: DesiredService, host: string, unfinished: boolean): Pick<Extract<PlanChange, { action: "resize" }>, "reasons" | "resources"> | undefined {
  const spec = current.spec;
  if (!spec || current.ref.specHash === svc.pod.specHash || current.ref.host !== host || current.condition !== "running" || unfinished) return undefined;
  if (podShapeHash(spec) !== podShapeHash(svc.pod)) return undefined;
  const before = new Map(spec.containers.map((c) => [c.name, c.resources]));
  const resources: ContainerResources[] = svc.pod.containers
    .filter((c) => before.get(c.name)?.cpu !== c.resources.cpu || before.get(c.name)?.memoryBytes !== c.resources.memoryBytes)
    .map((c) => ({ container: c.name, cpu: c.resources.cpu, memoryBytes: c.resources.memoryBytes }));
  if (resources.length === 0) return undefined;
  return { reasons: describeSpecChanges(spec, svc.pod, current.uses, svc.uses), resources };
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
      // What runs for an unplaced slot is left alone, except on a host that left git: nothing of this owner stays there.
      const gone = (p: ObservedPod) => hosts.get(p.ref.host)?.leftGit === true;
      const left = pickCurrent(candidates.filter((p) => !gone(p)), "");
      const blind = left?.condition === "running" ? undefined : blindSpot(svc.name, slot, input, hosts);
      if (blind) changes.push({ action: "unknown", slot, ...blind });
      else changes.push({ action: "unplaced", slot, reason: unplaced.get(slot) ?? "no host was chosen", ...(left ? { left: left.ref } : {}) });
      for (const p of candidates.filter(gone)) changes.push({ action: "remove", slot, host: p.ref.host, from: p.ref, reason: `${p.ref.host} is no longer a host in git` });
      continue;
    }
    const unverified = unverifiedPods(candidates, svc.pod);
    const ready = (p: ObservedPod) => isReady(p) && !unverified.has(p);
    const same = candidates.filter((p) => p.ref.host === host && p.ref.specHash === hash);
    let match = same.find(ready) ?? same.find((p) => p.condition === "running") ?? same[0];
    // An interrupted rollout (berth stopped mid-way) can leave a new pod that is
    // still starting, or that berth's probe never passed, next to the ready old
    // one. Keeping the new pod would drop the old one before its replacement
    // counts, so the slot is replaced afresh, health-gated, and the unfinished
    // pod goes once the old one has stopped.
    if (match && !ready(match) && candidates.some(ready)) match = undefined;
    // Only exited pods in sight: the slot's live pod may be on a dark host.
    const blind = candidates.some((p) => p.condition === "running") ? undefined : blindSpot(svc.name, slot, input, hosts);
    let current: ObservedPod | undefined;
    if (blind) {
      changes.push({ action: "unknown", slot, ...blind });
      continue;
    } else if (match) {
      current = match;
      if (match.condition === "running") changes.push({ action: "keep", slot, host, from: match.ref });
      else changes.push({ action: "recreate", slot, host, from: match.ref, reason: match.ref.status });
    } else if (candidates.length > 0) {
      current = pickCurrent(candidates, host, ready)!;
      const resize = inPlace(current, svc, host, unverified.size > 0);
      if (resize) changes.push({ action: "resize", slot, host, from: current.ref, ...resize });
      else {
        const reasons = current.ref.specHash === hash ? [] : current.spec ? describeSpecChanges(current.spec, svc.pod, current.uses, svc.uses) : ["spec changed"];
        if (current.ref.host !== host) reasons.push(moveReason(current.ref.host, host, hosts));
        if (current.condition !== "running") reasons.push(`current pod is ${current.ref.status}`);
        for (const p of unverified) reasons.push(`new pod ${p.ref.pod} on ${p.ref.host} was never verified by berth's ${svc.pod.health.kind} probe (berth stopped mid-rollout): the slot is replaced afresh`);
        // The order is the steps' (plan/steps.ts), filled in by diffFleet.
        changes.push({ action: "replace", slot, host, from: current.ref, reasons, order: svc.rollout.order });
      }
    } else {
      changes.push({ action: "create", slot, host, reason: lostReason(svc.name, slot, host, input, hosts) ?? (pods.length === 0 ? "new service" : `no pod for slot ${slot}`) });
    }
    for (const p of candidates) {
      // The same pod seen under a second host name (one engine named twice) is not a duplicate: removing it would remove the kept one.
      if (p === current || p.ref.pod === current?.ref.pod) continue;
      const reason = unverified.has(p) ? `unfinished replacement: berth stopped mid-rollout before its ${svc.pod.health.kind} probe passed` : `duplicate pod for slot ${slot} (${p.ref.status})`;
      changes.push({ action: "remove", slot, host: p.ref.host, from: p.ref, reason, ...(unverified.has(p) ? { unfinished: true as const } : {}) });
    }
  }
  const wanted = new Set(desired);
  for (const [slot, list] of [...bySlot].filter(([s]) => !wanted.has(s))) {
    for (const p of list) changes.push({ action: "remove", slot, host: p.ref.host, from: p.ref, reason: `scaled down to ${svc.replicas}` });
  }
  return changes.sort((a, b) => a.slot - b.slot || ACTION_ORDER[a.action] - ACTION_ORDER[b.action]);
}

/** A service's plan with its waves, and each replacement's order as the waves really run it. */
export function withSteps(base: Omit<ServicePlan, "waves">): ServicePlan {
  const waves = planSteps(base.changes, base.rollout, base.pod, { exposed: (base.expose?.length ?? 0) > 0 });
  const tracks = strategies(waves);
  const changes = base.changes.map((c): PlanChange => {
    const t = c.action === "replace" ? tracks.get(c.slot) : undefined;
    if (c.action !== "replace" || !t?.strategy) return c;
    const { orderReason: _, ...rest } = c;
    return { ...rest, order: t.strategy, ...(t.strategyReason ? { orderReason: t.strategyReason } : {}) };
  });
  return { ...base, changes, waves };
}

/**
 * A commit that would leave no pod of this owner running, while some run
 * now, is refused unless the repository says so: an empty or misdirected
 * commit (a wrong --path, a bad merge) must not prune the whole fleet.
 */
function refusal(services: readonly ServicePlan[], jobs: readonly JobPlan[], owner: string, allowEmpty: boolean): PlanRefusal | undefined {
  if (allowEmpty) return undefined;
  const changes = services.flatMap((s) => s.changes);
  const remain = changes.filter((c) => c.action !== "remove" && (c.action !== "unplaced" || c.left)).length + jobs.filter((j) => j.action !== "remove").length;
  const removed = changes.filter((c) => c.action === "remove");
  const removedJobs = jobs.filter((j) => j.action === "remove").map((j) => j.name);
  if (remain > 0 || removed.length + removedJobs.length === 0) return undefined;
  const names = [...new Set(services.filter((s) => s.changes.some((c) => c.action === "remove")).map((s) => s.name))];
  const what = [
    names.length ? `${countNoun(removed.length, "pod")} of ${countNoun(names.length, "service")}: ${names.join(", ")}` : "",
    removedJobs.length ? `${countNoun(removedJobs.length, "job")}: ${removedJobs.join(", ")}` : "",
  ].filter(Boolean);
  return {
    code: "empty-fleet",
    message: `this commit would remove every pod berth runs for ${owner} (${what.join("; ")}) and leave none; if that is intended, set \`allowEmpty: true\` in the repository's Policy`,
  };
}

function summarise(services: readonly ServicePlan[], jobs: readonly JobPlan[], hosts: readonly PlanHost[], refused: PlanRefusal | undefined): PlanSummary {
  const count = { create: 0, replace: 0, resize: 0, recreate: 0, remove: 0, keep: 0, unplaced: 0, unknown: 0 };
  for (const s of services) for (const c of s.changes) count[c.action]++;
  const jobCount = { create: 0, update: 0, remove: 0, keep: 0 };
  for (const j of jobs) jobCount[j.action]++;
  const unobserved = hosts.filter(isUnobserved).map((h) => ({ host: h.name, reason: h.error ?? "not observed" }));
  const complete = unobserved.length === 0;
  const changes = count.create + count.replace + count.resize + count.recreate + count.remove + jobCount.create + jobCount.update + jobCount.remove;
  // Pods that may remain on a host that left git are work still to do: not in sync until it is emptied.
  const leftovers = hosts.some(mayHoldLeftovers);
  return { ...count, jobs: jobCount, complete, unobserved, inSync: complete && changes === 0 && !refused && !leftovers };
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
    .map((svc) =>
      withSteps({
        name: svc.name,
        kind: "service" as const,
        replicas: svc.replicas,
        pod: svc.pod,
        ...(svc.uses ? { uses: svc.uses } : {}),
        rollout: svc.rollout,
        ...(svc.expose?.length ? { expose: svc.expose } : {}),
        ...(svc.global ? { global: true } : {}),
        ...(svc.autoscale ? { autoscale: svc.autoscale } : {}),
        changes: diffService(svc, byGroup.get(svc.name) ?? [], input, hosts),
      }),
    );
  const wanted = new Set(input.services.map((s) => s.name));
  for (const [group, list] of [...byGroup].filter(([g]) => !wanted.has(g)).sort(([a], [b]) => a.localeCompare(b))) {
    const changes: PlanChange[] = list.map((p) => ({ action: "remove", slot: p.ref.slot, host: p.ref.host, from: p.ref, reason: "service deleted from git" }));
    services.push(withSteps({ name: group, kind: "removed", replicas: 0, changes }));
  }
  const jobs = diffJobs({
    desired: input.jobs ?? [],
    ...(input.record ? { record: input.record.jobs } : {}),
    runs: input.observed.filter((c) => c.kind === "job").map((c) => ({ ...c, createdAt: c.createdAt ?? 0 })),
    now: input.now,
  });
  const planHosts = [...input.hosts].sort((a, b) => a.name.localeCompare(b.name));
  const warnings = planHosts.filter(mayHoldLeftovers).map((h) => `pods may remain on ${h.name} (unreachable): it is no longer in git, and berth removes them once it answers (${h.error ?? "not observed"})`);
  const refused = refusal(services, jobs, input.owner, input.allowEmpty ?? false);
  return {
    apiVersion: "berth/v1",
    kind: "Plan",
    owner: input.owner,
    commit: input.commit,
    createdAt: new Date(input.now).toISOString(),
    hosts: planHosts,
    services,
    jobs,
    warnings,
    ...(refused ? { refused } : {}),
    summary: summarise(services, jobs, planHosts, refused),
  };
}
