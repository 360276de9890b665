/**
 * The docker CLI's own configuration folder, read as `docker` reads it:
 * `$DOCKER_CONFIG`, else `~/.docker`, and the `config.json` in it (the
 * current context, `auths`, `credHelpers`, `credsStore`). It is the
 * operator's (the reconciler's environment), never the repository's.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** A file's text, or `undefined` when there is no such file; any other read failure throws. */
export type ReadFile = (file: string) => string | undefined;

/** The real `ReadFile`: a missing file is `undefined`, as `docker` reads an absent config as empty. */
export function readFileIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw err;
  }
}

export interface DockerConfigAuth {
  readonly auth?: string;
  readonly username?: string;
  readonly password?: string;
  readonly identitytoken?: string;
}

/** What berth reads from docker's config.json. */
export interface DockerConfig {
  readonly file: string;
  readonly currentContext?: string;
  readonly auths: Readonly<Record<string, DockerConfigAuth>>;
  readonly credHelpers: Readonly<Record<string, string>>;
  readonly credsStore?: string;
}

export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), ".docker");
}

/**
 * A config.json's fields, or empty ones when the file does not exist (as
 * for `docker` on a machine where nobody logged in). A file that is there
 * but broken is an error naming it: read as empty it would turn into a
 * puzzling "unauthorized" later. Its content is never quoted (JSON.parse
 * quotes the text around a syntax error, and that text may be a password).
 */
export function parseDockerConfig(file: string, text: string | undefined, what = "docker's config"): DockerConfig {
  if (text === undefined) return { file, auths: {}, credHelpers: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${what} ${file}: it is not valid JSON`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new Error(`${what} ${file}: it is not a JSON object`);
  const o = raw as { currentContext?: unknown; auths?: unknown; credHelpers?: unknown; credsStore?: unknown };
  const record = (v: unknown, field: string): Record<string, never> => {
    if (v === undefined || v === null) return {};
    if (typeof v !== "object" || Array.isArray(v)) throw new Error(`${what} ${file}: "${field}" is not an object`);
    return v as Record<string, never>;
  };
  const text_ = (v: unknown, field: string): string | undefined => {
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") throw new Error(`${what} ${file}: "${field}" is not a string`);
    return v;
  };
  const credHelpers = record(o.credHelpers, "credHelpers") as Record<string, unknown>;
  for (const [registry, helper] of Object.entries(credHelpers)) if (typeof helper !== "string") throw new Error(`${what} ${file}: credHelpers["${registry}"] is not a string`);
  const currentContext = text_(o.currentContext, "currentContext");
  const credsStore = text_(o.credsStore, "credsStore");
  return {
    file,
    ...(currentContext ? { currentContext } : {}),
    auths: record(o.auths, "auths"),
    credHelpers: credHelpers as Record<string, string>,
    ...(credsStore ? { credsStore } : {}),
  };
}

/** `$DOCKER_CONFIG/config.json` (or `~/.docker/config.json`), read through `read`. */
export function readDockerConfig(env: NodeJS.ProcessEnv, read: ReadFile): DockerConfig {
  const file = path.join(dockerConfigDir(env), "config.json");
  return parseDockerConfig(file, readOrExplain(file, read));
}

function readOrExplain(file: string, read: ReadFile): string | undefined {
  try {
    return read(file);
  } catch (err) {
    throw new Error(`docker's config ${file}: it cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
}
