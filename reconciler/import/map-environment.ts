/**
 * `env_file`, `environment` and `secrets` → berth `env` and `secretEnv`.
 * berth writes `env` into the repository, so a value that looks like a
 * secret (a name ending in PASSWORD, SECRET, TOKEN, API_KEY…) is never
 * written: it becomes a `secretEnv` reference the reconciler resolves from
 * its own environment. Compose secrets are files under /run/secrets; berth
 * passes secrets as environment variables, so a `NAME_FILE=/run/secrets/x`
 * variable (the convention of the official images) becomes `NAME` itself.
 */
import { parseEnvFile } from "./dotenv.ts";
import type { ServiceDraft } from "./draft.ts";
import { listOrDict, stringOrList } from "./list-or-dict.ts";
import { ENV_NAME, envName } from "./names.ts";
import { whereOf } from "./where.ts";

const SECRET_LOOKING = /(^|_)(PASSWORD|PASSWD|PASS|SECRET|TOKEN|API_KEY|APIKEY|PRIVATE_KEY|ACCESS_KEY|SECRET_KEY|SECRET_KEY_BASE|APP_KEY|KEY|CREDENTIALS)$/i;

/** A variable name that looks like it holds a secret: its value is never written into a berth file. */
export function looksSecret(name: string): boolean {
  return SECRET_LOOKING.test(name);
}

/** The prefix the default operator config lets repositories read secrets from. */
export const SECRET_ENV_PREFIX = "BERTH_SECRET_";

interface SecretRef {
  readonly name: string;
  readonly fromEnv?: string;
  readonly fromFile?: string;
}

export function mapEnvironment(d: ServiceDraft): void {
  const env = new Map<string, { value: string; from: (string | number)[] }>();
  readEnvFiles(d, env);
  const environment = d.service["environment"];
  if (environment !== undefined) {
    const dict = listOrDict(environment, d.where(["environment"]));
    for (const [name, raw] of Object.entries(dict)) {
      const from = ["environment", Array.isArray(environment) ? environment.findIndex((e) => String(e).split("=")[0] === name) : name];
      if (raw === null || raw === undefined) {
        const v = d.project.lookup(name);
        if (v === undefined) {
          d.warn(from, `${name} has no value and is not set in the environment or .env: dropped (Compose would leave it unset too)`);
          continue;
        }
        env.set(name, { value: v, from });
        continue;
      }
      env.set(name, { value: typeof raw === "object" ? JSON.stringify(raw) : String(raw), from });
    }
  }
  const secrets: SecretRef[] = [];
  mapSecrets(d, env, secrets);
  const plain: Record<string, string> = {};
  for (const [name, { value, from }] of env) {
    if (!ENV_NAME.test(name)) {
      d.warn(from, `${JSON.stringify(name)} is not a variable name berth accepts (letters, digits and _, not starting with a digit): dropped`);
      continue;
    }
    if (value !== "" && SECRET_LOOKING.test(name)) {
      const fromEnv = `${SECRET_ENV_PREFIX}${name.toUpperCase()}`;
      d.warn(from, `${name} looks like a secret: its value is not written into the berth file; it becomes a secretEnv reference to ${fromEnv}, which the reconciler reads from its own environment (set it there)`, "compose-secret-value");
      secrets.push({ name, fromEnv });
      continue;
    }
    plain[name] = value;
  }
  if (Object.keys(plain).length > 0) d.spec["env"] = plain;
  if (secrets.length > 0) {
    d.spec["secretEnv"] = secrets;
    d.note("spec.secretEnv", "References only: the reconciler resolves them when it creates the container; values are never in git.");
  }
}

function readEnvFiles(d: ServiceDraft, env: Map<string, { value: string; from: (string | number)[] }>): void {
  const raw = d.service["env_file"];
  if (raw === undefined) return;
  const files = stringOrList(raw, d.where(["env_file"]));
  files.forEach((item, i) => {
    const spec = typeof item === "object" && item !== null ? (item as Record<string, unknown>) : { path: item };
    const path = String(spec["path"] ?? "");
    const required = spec["required"] !== false && spec["required"] !== "false";
    const from = Array.isArray(raw) ? ["env_file", i] : ["env_file"];
    const text = d.project.readFile(path);
    if (text === undefined) {
      if (required) d.refuse(from, `env_file ${JSON.stringify(path)} cannot be read (relative paths start at ${d.project.dir}); create it, or mark it required: false`, "env-file-missing");
      return;
    }
    const parsed = parseEnvFile(text, d.project.lookup);
    for (const p of parsed.problems) d.findings.refuse({ file: path, line: p.line, col: p.col }, "env-file", p.message, "");
    for (const e of parsed.entries) env.set(e.name, { value: e.value, from });
  });
}

function mapSecrets(d: ServiceDraft, env: Map<string, { value: string; from: (string | number)[] }>, out: SecretRef[]): void {
  const list = d.service["secrets"];
  if (!Array.isArray(list)) return;
  list.forEach((item, i) => {
    const ref = typeof item === "string" ? { source: item } : typeof item === "object" && item !== null ? (item as Record<string, unknown>) : {};
    const source = String(ref["source"] ?? "");
    const target = typeof ref["target"] === "string" && ref["target"] !== "" ? ref["target"] : source;
    const top = d.project.secrets[source];
    if (typeof top !== "object" || top === null) {
      d.refuse(["secrets", i], `secret ${JSON.stringify(source)} is not defined under the top-level secrets:; add it there with file: or environment:`, "secret-unknown");
      return;
    }
    const def = top as Record<string, unknown>;
    // The official images read NAME_FILE=/run/secrets/<target>: the variable berth sets is NAME.
    const fileVar = [...env.entries()].find(([name, e]) => name.endsWith("_FILE") && e.value === `/run/secrets/${target}`);
    const name = fileVar ? fileVar[0].slice(0, -"_FILE".length) : envName(target.split("/").pop() ?? target);
    if (fileVar) env.delete(fileVar[0]);
    const mounted = `berth passes secrets as environment variables, not files under /run/secrets: the container gets ${name}`;
    if (typeof def["file"] === "string") {
      const file = def["file"].split("/").pop() ?? def["file"];
      out.push({ name, fromFile: file });
      const at = whereOf(top, d.at);
      d.warn(["secrets", i], `${mounted}, read from ${file} in the operator's secrets folder (secrets.dir): copy ${def["file"]} there (declared at ${at.file}:${at.line}); the value is never written into git${fileVar ? `, and ${fileVar[0]} is not set` : ""}`, "compose-secret");
      return;
    }
    if (typeof def["environment"] === "string") {
      const variable = def["environment"].startsWith(SECRET_ENV_PREFIX) ? def["environment"] : `${SECRET_ENV_PREFIX}${envName(def["environment"])}`;
      out.push({ name, fromEnv: variable });
      d.warn(["secrets", i], `${mounted}, read from ${variable} in the reconciler's environment (Compose read ${def["environment"]}; the default operator config lets repositories read only ${SECRET_ENV_PREFIX}* variables)`, "compose-secret");
      return;
    }
    d.warn(["secrets", i], `secret ${JSON.stringify(source)} is external or made by a driver: berth can only refer to a file in the operator's secrets folder or a variable of the reconciler; dropped — add a secretEnv entry by hand`);
  });
}
