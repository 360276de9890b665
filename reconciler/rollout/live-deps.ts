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

export function liveApplyDeps(hosts: ReadonlyMap<string, DockerHost>, secretRules: SecretRules, onEvent?: (e: RolloutEvent) => void): ApplyDeps {
  return {
    hosts,
    clock: systemClock,
    prober: networkProber,
    newPodId: () => randomBytes(5).toString("hex"),
    secrets: (spec) => resolveSecrets(spec, secretRules),
    ...(onEvent ? { onEvent } : {}),
  };
}
