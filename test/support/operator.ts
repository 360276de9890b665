/**
 * The operator configuration tests run with: berth's defaults, with the
 * secrets folder in a temporary folder of its own, where tests write the
 * files their `fromFile` references name, and the bed's proxy image.
 */
import { mkdirSync, realpathSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defaultOperatorConfig } from "../../reconciler/config/defaults.ts";
import type { OperatorRules } from "../../reconciler/load/check-operator.ts";
import { PROXY_IMAGE } from "../../testbed/images.ts";

export const TEST_SECRETS_DIR = path.join(os.tmpdir(), `berth-test-secrets-${process.pid}`);
mkdirSync(TEST_SECRETS_DIR, { recursive: true });

export const TEST_OPERATOR: OperatorRules = {
  // The proxy for exposed services is the bed's HAProxy image: no public registry is reachable.
  config: { ...defaultOperatorConfig(os.tmpdir()), secrets: { dir: TEST_SECRETS_DIR, env: ["BERTH_SECRET_*"] }, traffic: { proxyImage: PROXY_IMAGE, drainDelayMs: 1_000 } },
  realpath: realpathSync.native,
};
