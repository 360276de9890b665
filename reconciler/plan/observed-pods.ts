/**
 * Observed containers grouped into pods. The diff reasons about pods (a
 * replica and all of its containers), while engines report containers.
 */
import type { PodSpec } from "../model/pod.ts";
import type { ObservedContainer } from "../docker/types.ts";
import { LABEL } from "../docker/labels.ts";
import type { PodRef } from "./types.ts";
import type { TemplateUses } from "./spec-changes.ts";

/** What the diff needs of an observed container (the Docker adapter's view of it). */
export type ObservedContainerView = Pick<
  ObservedContainer,
  "host" | "id" | "name" | "labels" | "state" | "health" | "exitCode" | "kind" | "group" | "slot" | "container" | "pod" | "specHash" | "commit"
> &
  Partial<Pick<ObservedContainer, "ports" | "createdAt">>;

export interface ObservedPod {
  readonly ref: PodRef;
  readonly group: string;
  /** `running` = main running and not unhealthy; `starting` counts as running. */
  readonly condition: "running" | "unhealthy" | "exited" | "incomplete";
  /** The spec recorded on the main container, when readable. */
  readonly spec?: PodSpec;
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
    const spec = parseJson<PodSpec>(main?.labels[LABEL.spec]);
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
      ...(uses ? { uses } : {}),
      ref: {
        host: first.host,
        pod: first.pod,
        slot: first.slot,
        specHash: first.specHash,
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
