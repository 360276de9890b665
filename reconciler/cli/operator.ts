/**
 * The operator configuration for a command: `--config FILE`, else
 * `BERTH_CONFIG`, else the safe defaults. A configuration that cannot be
 * used is printed as file:line:col diagnostics and the command does nothing.
 */
import { realpathSync } from "node:fs";
import { configFile, loadOperatorConfig } from "../config/load-config.ts";
import type { OperatorRules } from "../load/check-operator.ts";
import { fail } from "./fail.ts";
import { stateDir } from "./state-dir.ts";

export function operatorRules(opts: Record<string, unknown>, command: string): OperatorRules | undefined {
  const loaded = loadOperatorConfig(configFile(opts), stateDir(opts));
  if ("diagnostics" in loaded) {
    fail(command, { code: "operator-config-invalid", message: "the operator config does not validate; nothing was done.", diagnostics: loaded.diagnostics }, opts);
    return undefined;
  }
  return { config: loaded.config, realpath: realpathSync.native };
}
