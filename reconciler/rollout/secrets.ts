/**
 * Resolves a pod's secret references (DESIGN §2) on the reconciler's
 * machine, just before its containers are created. Values go only into the
 * container's environment: errors name the reference, never a value.
 * The operator's rules are checked again here, not only at load time: a
 * symlink in the secrets folder can change between the two.
 */
import { readFileSync, realpathSync } from "node:fs";
import { secretEnvAllowed, secretFilePath } from "../config/secret-rules.ts";
import { BerthError } from "../model/berth-error.ts";
import type { OperatorConfig } from "../model/operator-config.ts";
import type { PodSpec } from "../model/pod.ts";

/** Where secrets may be read from (the operator config's `secrets`). */
export type SecretRules = OperatorConfig["secrets"];

/** A secret reference cannot be resolved on this machine: the commit or the operator must change. */
export class SecretUnavailableError extends BerthError {
  readonly code = "secret-unavailable";
  readonly reaction = "stalled";
  constructor(readonly data: { pod: string; container: string; variable: string; source: string }) {
    super(`secret ${data.variable} of ${data.pod}/${data.container} is not available: ${data.source}`);
  }
}

export function resolveSecrets(spec: PodSpec, rules: SecretRules, env: NodeJS.ProcessEnv = process.env): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const c of spec.containers) {
    for (const ref of c.secretEnv) {
      let value: string | undefined;
      const refuse = (why: string) => new SecretUnavailableError({ pod: spec.name, container: c.name, variable: ref.name, source: why });
      if ("fromEnv" in ref) {
        if (!secretEnvAllowed(ref.fromEnv, rules)) throw refuse(`environment variable ${ref.fromEnv} is not one the operator lets repositories read (secrets.env)`);
        value = env[ref.fromEnv];
        if (value === undefined) throw new SecretUnavailableError({ pod: spec.name, container: c.name, variable: ref.name, source: `environment variable ${ref.fromEnv} is not set on the reconciler` });
      } else {
        const file = secretFilePath(ref.fromFile, rules, realpathSync.native);
        if ("refused" in file) throw refuse(`fromFile ${file.refused} (secrets.dir)`);
        try {
          value = readFileSync(file.path, "utf8").replace(/\n$/, "");
        } catch (err) {
          throw new SecretUnavailableError({ pod: spec.name, container: c.name, variable: ref.name, source: `file ${ref.fromFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})` });
        }
      }
      (out[c.name] ??= {})[ref.name] = value;
    }
  }
  return out;
}
