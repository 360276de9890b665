/**
 * Observed containers grouped into pods. The diff reasons about pods (a
 * replica and all of its containers), while engines report containers.
 */
import type { PodSpec } from "../model/pod.ts";
import { podSpecHash } from "../templates/spec-hash.ts";
import type { ObservedContainer } from "../docker/types.ts";
import { LABEL } from "../docker/labels.ts";
import type { PodRef } from "./types.ts";
import type { TemplateUses } from "./spec-changes.ts";

/** What the diff needs of an observed container (the Docker adapter's view of it). */
export type ObservedContainerView = Pick<
  ObservedContainer,
  "host" | "id" | "name" | "labels" | "state" | "health" | "exitCode" | "kind" | "group" | "slot" | "container" | "pod" | "specHash" | "commit"
> &
  Partial<Pick<ObservedContainer, "ports" | "createdAt" | "resources">>;

export interface ObservedPod {
  readonly ref: PodRef;
  readonly group: string;
  /** `running` = main running and not unhealthy; `starting` counts as running. */
  readonly condition: "running" | "unhealthy" | "exited" | "incomplete";
  /** The spec recorded on the main container, when readable, with the limits a resize in place gave its containers. */
  readonly spec?: PodSpec;
  /** True when a resize in place changed its limits since it was created: its `specHash` is the one of the limits it has now. */
  readonly resized?: boolean;
  readonly uses?: TemplateUses;
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

function statusOf(main: ObservedContainerView | undefined): string {
  if (!main) return "main container missing";
  if (main.state === "exited" || main.state === "dead") return `exited (${main.exitCode ?? "?"})`;
  if (main.state === "running" && main.health !== "none") return main.health;
  return main.state;
}

/**
 * The spec a pod runs with now: the one it was created from (its label),
 * with the limits a resize in place gave its containers since (their
 * names). Its hash is computed again, so a pod resized to what git wants
 * hashes as git's spec and is kept. A pod with no resized container is its
 * label, unchanged.
 */
function currentSpec(spec: PodSpec, list: readonly ObservedContainerView[]): PodSpec | undefined {
  const resized = new Map(list.flatMap((c) => (c.resources ? [[c.container, c.resources] as const] : [])));
  if (resized.size === 0) return undefined;
  const containers = spec.containers.map((c) => ({ ...c, resources: resized.get(c.name) ?? c.resources }));
  // As templates/expand-pod.ts sums them: cpu to a thousandth of a core.
  const resources = { cpu: Math.round(containers.reduce((n, c) => n + c.resources.cpu, 0) * 1000) / 1000, memoryBytes: containers.reduce((n, c) => n + c.resources.memoryBytes, 0) };
  const { specHash: _, ...rest } = { ...spec, containers, resources };
  return { ...rest, specHash: podSpecHash(rest) };
}

/**
 * Groups the containers of services (not jobs) by pod, sorted by group,
 * slot, host and pod id so the diff is deterministic.
 */
export function groupServicePods(containers: readonly ObservedContainerView[]): ObservedPod[] {
  const byPod = new Map<string, ObservedContainerView[]>();
  for (const c of containers) {
    if (c.kind !== "service") continue;
    const key = `${c.host}\u0000${c.pod}`;
    const list = byPod.get(key);
    if (list) list.push(c);
    else byPod.set(key, [c]);
  }
  const pods: ObservedPod[] = [];
  for (const list of byPod.values()) {
    list.sort((a, b) => (a.container === "main" ? -1 : b.container === "main" ? 1 : a.container.localeCompare(b.container)));
    const main = list.find((c) => c.container === "main");
    const first = main ?? list[0]!;
    const labelled = parseJson<PodSpec>(main?.labels[LABEL.spec]);
    const resized = labelled ? currentSpec(labelled, list) : undefined;
    const spec = resized ?? labelled;
    const uses = parseJson<TemplateUses>(main?.labels[LABEL.uses]);
    const running = (c: ObservedContainerView) => c.state === "running" || c.state === "restarting";
    const missing = spec !== undefined && list.length < spec.containers.length;
    let condition: ObservedPod["condition"];
    if (!main || !running(main)) condition = "exited";
    else if (missing || list.some((c) => !running(c))) condition = "incomplete";
    else if (main.health === "unhealthy") condition = "unhealthy";
    else condition = "running";
    pods.push({
      group: first.group,
      condition,
      ...(spec ? { spec } : {}),
      ...(resized ? { resized: true } : {}),
      ...(uses ? { uses } : {}),
      ref: {
        host: first.host,
        pod: first.pod,
        slot: first.slot,
        specHash: resized?.specHash ?? first.specHash,
        commit: first.commit,
        status: condition === "incomplete" ? `${statusOf(main)}, a container is missing or stopped` : statusOf(main),
        containers: list.map((c) => ({ id: c.id, name: c.name, container: c.container })),
        ...(spec ? { stopGracePeriodMs: spec.stopGracePeriodMs } : {}),
        ...(main?.ports?.length ? { ports: [...main.ports].sort((a, b) => a.containerPort - b.containerPort || a.protocol.localeCompare(b.protocol) || a.hostIp.localeCompare(b.hostIp)) } : {}),
      },
    });
  }
  return pods.sort(
    (a, b) => a.group.localeCompare(b.group) || a.ref.slot - b.ref.slot || a.ref.host.localeCompare(b.ref.host) || a.ref.pod.localeCompare(b.ref.pod),
  );
}
