/**
 * Small constructors for the adapter's integration tests: pod launches of
 * the bed's images, each under a test owner, and a poll-until helper.
 */
import { randomBytes } from "node:crypto";
import type { ContainerSpec, PodSpec } from "../../../reconciler/model/pod.ts";
import type { PodLaunch } from "../../../reconciler/docker/types.ts";
import { container, pod } from "../../unit/plan/mock.ts";

export const APP_V1 = "127.0.0.1:5000/berth/app:v1";
export const APP_BROKEN = "127.0.0.1:5000/berth/app:broken";
export const APP_CRASH = "127.0.0.1:5000/berth/app:crash";
export const TOOLBOX = "127.0.0.1:5000/berth/toolbox:v1";

/** A sidecar from the toolbox running `script` under sh; `trap` makes it stop promptly on SIGTERM. */
export function toolbox(name: string, script: string, over: Partial<ContainerSpec> = {}): ContainerSpec {
  return container({ name, template: "t", pattern: "sidecar", image: TOOLBOX, command: ["sh", "-c"], args: [script], ...over });
}

/** Every image these suites launch, pulled onto `host` up front: a launch never pulls, and suites must not depend on each other's order. */
export async function pullBedImages(host: { pull(image: string): Promise<void> }): Promise<void> {
  for (const image of [APP_V1, APP_BROKEN, APP_CRASH, TOOLBOX]) await host.pull(image);
}

export function podId(): string {
  return randomBytes(8).toString("hex");
}

/** A pod of `main` (app:v1 by default) plus `sidecars`, publishing 8080 on an engine-assigned port. */
export function podLaunch(owner: string, over: { group?: string; slot?: number; main?: Partial<ContainerSpec>; sidecars?: ContainerSpec[]; spec?: Partial<PodSpec>; hostIp?: string } = {}): PodLaunch {
  return {
    pod: podId(),
    owner,
    commit: "c0ffee1",
    slot: over.slot ?? 0,
    spec: pod({
      name: over.group ?? "web",
      containers: [container({ image: APP_V1, env: { VERSION: "v1" }, ...over.main }), ...(over.sidecars ?? [])],
      stopGracePeriodMs: 5000,
      specHash: "hash-test",
      ...over.spec,
    }),
    ...(over.hostIp ? { hostIp: over.hostIp } : {}),
  };
}

/** Calls `probe` every `everyMs` until it returns a value, or throws after `withinMs` naming `what`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, withinMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`waited ${withinMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
