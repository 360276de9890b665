/**
 * What a real apply runs with: the system clock, network probes, random pod
 * ids and secrets from the reconciler's environment and files.
 */
import { randomBytes } from "node:crypto";
import type { DockerHost } from "../docker/types.ts";
import type { ApplyDeps } from "./apply-plan.ts";
import { systemClock } from "./clock.ts";
import type { RolloutEvent } from "./events.ts";
import { networkProber } from "./probe.ts";
import { resolveSecrets, type SecretRules } from "./secrets.ts";
import { ProxyRouter } from "../traffic/router.ts";
import { PROXY_SERVICE } from "../traffic/proxy-service.ts";
import { DEFAULT_DRAIN_DELAY_MS } from "../model/operator-config.ts";

export interface LiveApplyOptions {
  readonly onEvent?: (e: RolloutEvent) => void;
  /** How long a drained replica keeps running before it stops (the operator's `traffic.drainDelay`). */
  readonly drainDelayMs?: number;
}

export function liveApplyDeps(hosts: ReadonlyMap<string, DockerHost>, secretRules: SecretRules, opts: LiveApplyOptions = {}): ApplyDeps {
  const { onEvent } = opts;
  return {
    hosts,
    clock: systemClock,
    router: (plan) =>
      new ProxyRouter(plan, {
        hosts,
        clock: systemClock,
        drainDelayMs: opts.drainDelayMs ?? DEFAULT_DRAIN_DELAY_MS,
        onSkipped: (host, why) => onEvent?.({ at: Date.now(), service: PROXY_SERVICE, host, phase: "failed", message: `the proxy on ${host} was not updated: ${why}` }),
      }),
    prober: networkProber,
    newPodId: () => randomBytes(5).toString("hex"),
    secrets: (spec) => resolveSecrets(spec, secretRules),
    ...(onEvent ? { onEvent } : {}),
  };
}
