/**
 * The health gate: a new pod counts only once it is healthy — by the
 * engine's HEALTHCHECK (the image's, or an exec probe berth configured), or
 * by berth's own HTTP/TCP probe — and has stayed so for `minReady`.
 */
import { BerthError } from "../model/berth-error.ts";
import type { PodSpec } from "../model/pod.ts";
import type { ContainerStatus, DockerHost } from "../docker/types.ts";
import type { Clock } from "./clock.ts";
import type { TextMask } from "./mask-secrets.ts";
import type { Prober } from "./probe.ts";

/** The new pod failed its gate or its crash window: the commit's fault. */
export class NotReadyError extends BerthError {
  readonly code = "pod-not-ready";
  readonly reaction = "stalled";
  constructor(readonly data: { host: string; pod: string; reason: string }) {
    super(`pod ${data.pod} on ${data.host} did not become ready: ${data.reason}`);
  }
}

export interface GateInput {
  readonly host: DockerHost;
  readonly pod: string;
  readonly spec: PodSpec;
  /** Container ids, main first. */
  readonly containerIds: readonly string[];
  /** Absolute time (clock ms) by which the pod must be ready. */
  readonly deadline: number;
  readonly minReadyMs: number;
  /**
   * Applied to what the gate reads from the containers (their last output)
   * before it goes into a reason: a container may print the secrets berth
   * injected into it (see mask-secrets.ts).
   */
  readonly mask: TextMask;
}

export const POLL_MS = 200;
/**
 * Until a pod first passes, and for its first second only, the gate looks
 * every 20 ms instead: a server that starts fast answers a few ms after the
 * engine has started it, and the first look, right after the start, usually
 * comes just before that. A 200 ms wait then was 40 % of a wave on the bed
 * (create+start 0.27–0.4 s). Once it passes, minReady is watched at the
 * usual 200 ms.
 */
export const EARLY_POLL_MS = 20;
export const EARLY_FOR_MS = 1_000;
/** A look that ran the container's own test started a process in it: the next comes no sooner than this, even early. */
export const EARLY_EXEC_POLL_MS = 100;

function publishedAddress(host: DockerHost, status: ContainerStatus, containerPort: number): { host: string; port: number } | undefined {
  const b = status.ports.find((p) => p.containerPort === containerPort && p.protocol === "tcp");
  if (!b) return undefined;
  const ip = b.hostIp && b.hostIp !== "0.0.0.0" && b.hostIp !== "::" ? b.hostIp : host.address;
  return { host: ip, port: b.hostPort };
}

/** Why a container that exited did: its code and its last lines of output, masked. */
export async function exitReason(host: DockerHost, name: string, c: { readonly id: string; readonly exitCode?: number }, mask: TextMask): Promise<string> {
  const logs = (await host.logsTail(c.id, 5).catch(() => "")).trim();
  // Masked before the last lines are picked: a multi-line value is then hidden whole, not only line by line.
  const output = logs ? mask(logs).split("\n").slice(-3).join(" | ") : "";
  return `container ${name} exited with code ${c.exitCode ?? "?"}${output ? `; last output: ${output}` : ""}`;
}

/** The pod's containers now, and why it has failed for good if it has: a container gone or exited (with its last output, masked). */
async function containerStates(input: GateInput): Promise<{ main?: ContainerStatus; failed?: string }> {
  const { host, spec } = input;
  const statuses = await Promise.all(input.containerIds.map((id) => host.status(id)));
  const main = statuses[0];
  if (!main) return { failed: "its main container is gone" };
  for (const [i, s] of statuses.entries()) {
    const name = spec.containers[i]?.name ?? "?";
    if (!s) return { failed: `container ${name} is gone` };
    if (s.state === "exited" || s.state === "dead") return { failed: await exitReason(host, name, s, input.mask) };
  }
  return { main };
}

/** The longest berth waits for one run of a container's own HEALTHCHECK test; a slower one is left to the engine. */
const OWN_CHECK_MAX_MS = 2_000;

/**
 * Runs the container's own HEALTHCHECK test (exec), as the engine would,
 * while the engine has not run it yet: the engine waits a whole `interval`
 * (1 s for the bed's app, 30 s by default) before its first run, and that
 * wait was most of each wave. Only a pass counts: a failure, or a test
 * that cannot be run (no shell in the image), leaves the verdict to the
 * engine, which alone decides "unhealthy" (its retries, its start period).
 */
async function passesOwnCheck(host: DockerHost, main: ContainerStatus, test: readonly string[]): Promise<boolean> {
  const r = await host.exec(main.id, test, Math.min(OWN_CHECK_MAX_MS, main.healthTimeoutMs ?? OWN_CHECK_MAX_MS)).catch(() => undefined);
  return r?.exitCode === 0;
}

/** One look at the pod: ready, not yet, or failed for good (with why); `execd` when it ran the container's own test. */
async function look(input: GateInput, prober: Prober): Promise<{ ready: boolean; failed?: string; execd?: boolean }> {
  const { host, spec } = input;
  const { failed, main } = await containerStates(input);
  if (failed || !main) return { ready: false, ...(failed ? { failed } : {}) };
  if (main.state !== "running") return { ready: false };
  const h = spec.health;
  switch (h.kind) {
    case "image":
    case "exec":
      if (main.health === "unhealthy") return { ready: false, failed: "the engine reports it unhealthy" };
      if (main.health === "starting") return main.healthTest ? { ready: await passesOwnCheck(host, main, main.healthTest), execd: true } : { ready: false };
      return { ready: main.health === "healthy" || main.health === "none" };
    case "http": {
      const addr = publishedAddress(host, main, h.port);
      if (!addr) return { ready: false, failed: `port ${h.port} is not published, so berth cannot probe it` };
      return { ready: await prober.http(`${h.scheme}://${addr.host}:${addr.port}${h.path}`, h.timeoutMs) };
    }
    case "tcp": {
      const addr = publishedAddress(host, main, h.port);
      if (!addr) return { ready: false, failed: `port ${h.port} is not published, so berth cannot probe it` };
      return { ready: await prober.tcp(addr.host, addr.port, h.timeoutMs) };
    }
  }
}

/** Resolves once the pod counts as ready; throws `NotReadyError` when it fails or the deadline passes. */
export async function waitReady(input: GateInput, clock: Clock, prober: Prober): Promise<void> {
  const earlyUntil = clock.now() + EARLY_FOR_MS;
  let readySince: number | undefined;
  let lastReason = "not healthy yet";
  for (;;) {
    const r = await look(input, prober);
    if (r.failed) throw new NotReadyError({ host: input.host.name, pod: input.pod, reason: r.failed });
    const now = clock.now();
    if (r.ready) {
      readySince ??= now;
      if (now - readySince >= input.minReadyMs) return;
      lastReason = `healthy for ${now - readySince} ms of the ${input.minReadyMs} ms minReady`;
    } else {
      readySince = undefined;
    }
    if (now >= input.deadline) throw new NotReadyError({ host: input.host.name, pod: input.pod, reason: `progress deadline passed (${lastReason})` });
    // The last look of minReady comes when it ends, not up to a poll later.
    const early = now < earlyUntil ? (r.execd ? EARLY_EXEC_POLL_MS : EARLY_POLL_MS) : POLL_MS;
    await clock.sleep(readySince === undefined ? early : Math.min(POLL_MS, readySince + input.minReadyMs - now));
  }
}
