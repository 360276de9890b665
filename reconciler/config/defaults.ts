/**
 * The operator configuration berth uses when none is given: the safe one.
 * Secrets only from `<state dir>/secrets` and from variables named
 * `BERTH_SECRET_…` (never berth's own `BERTH_GIT_TOKEN` or
 * `BERTH_WEBHOOK_SECRET`); nothing privileged, no host network, no bind
 * mounts whatever a Policy says; plain TCP only to loopback, so the test
 * bed works unchanged.
 */
import path from "node:path";
import { DEFAULT_AUTOSCALE_INTERVAL_MS, DEFAULT_DRAIN_DELAY_MS, DEFAULT_HOST_LOST_AFTER_MS, DEFAULT_PROXY_IMAGE, type OperatorConfig } from "../model/operator-config.ts";

export const DEFAULT_SECRET_ENV = ["BERTH_SECRET_*"] as const;
export const DEFAULT_PLAIN_TCP = ["127.0.0.0/8", "::1", "localhost"] as const;

export function defaultOperatorConfig(stateDir: string): OperatorConfig {
  return {
    secrets: { dir: path.join(stateDir, "secrets"), env: [...DEFAULT_SECRET_ENV] },
    ceiling: { privileged: false, hostNetwork: false, hostPaths: [] },
    plainTcp: [...DEFAULT_PLAIN_TCP],
    hostLostAfterMs: DEFAULT_HOST_LOST_AFTER_MS,
    traffic: { proxyImage: DEFAULT_PROXY_IMAGE, drainDelayMs: DEFAULT_DRAIN_DELAY_MS },
    // A repository queries no Prometheus the operator has not named: berth would fetch from wherever a committer points it.
    autoscale: { prometheusUrls: [], intervalMs: DEFAULT_AUTOSCALE_INTERVAL_MS },
  };
}
