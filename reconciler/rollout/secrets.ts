/**
 * Resolves a pod's secret references (DESIGN §2) on the reconciler's
 * machine, just before its containers are created. Values go only into the
 * container's environment: errors name the reference, never a value.
 */
import { readFileSync } from "node:fs";
import type { PodSpec } from "../model/pod.ts";

export class SecretUnavailableError extends Error {
  readonly code = "SECRET_UNAVAILABLE";
  readonly retryable = false;
  constructor(readonly data: { pod: string; container: string; variable: string; source: string }) {
    super(`secret ${data.variable} of ${data.pod}/${data.container} is not available: ${data.source}`);
  }
}

export function resolveSecrets(spec: PodSpec, env: NodeJS.ProcessEnv = process.env): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const c of spec.containers) {
    for (const ref of c.secretEnv) {
      let value: string | undefined;
      if ("fromEnv" in ref) {
        value = env[ref.fromEnv];
        if (value === undefined) throw new SecretUnavailableError({ pod: spec.name, container: c.name, variable: ref.name, source: `environment variable ${ref.fromEnv} is not set on the reconciler` });
      } else {
        try {
          value = readFileSync(ref.fromFile, "utf8").replace(/\n$/, "");
        } catch (err) {
          throw new SecretUnavailableError({ pod: spec.name, container: c.name, variable: ref.name, source: `file ${ref.fromFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})` });
        }
      }
      (out[c.name] ??= {})[ref.name] = value;
    }
  }
  return out;
}
