/**
 * Which engine the docker CLI would talk to, from its contexts: the name
 * comes from DOCKER_CONTEXT, else `currentContext` in docker's config.json;
 * the context itself from `contexts/meta/<sha256 of the name>/meta.json`
 * in docker's config folder, with its TLS files (if any) in
 * `contexts/tls/<same>/docker/`. Pure over the file reader, so tests use
 * fixtures and never the real home.
 *
 * DOCKER_HOST beats every context, as it does for `docker`; that rule lives
 * with the caller (endpoint.ts), which also reads the plain default.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { dockerConfigDir, readDockerConfig, type ReadFile } from "./docker-config.ts";

export type DockerContext =
  /** No context, or the one named `default`: DOCKER_HOST or the local socket. */
  | { readonly kind: "default" }
  | {
      readonly kind: "context";
      readonly name: string;
      readonly endpoint: string;
      /** The context's TLS files, when it has a client certificate and key. */
      readonly tls?: { readonly ca?: string; readonly cert: string; readonly key: string };
    }
  /** A context berth cannot use, with why and what to do. */
  | { readonly kind: "refused"; readonly name: string; readonly reason: string };

interface ContextMeta {
  readonly Name?: unknown;
  readonly Endpoints?: { readonly docker?: { readonly Host?: unknown; readonly SkipTLSVerify?: unknown } };
}

/** The folder name docker gives a context: the hex sha256 of its name (names may hold characters no file name may). */
export function contextId(name: string): string {
  return createHash("sha256").update(name).digest("hex");
}

export function dockerContext(env: NodeJS.ProcessEnv, read: ReadFile): DockerContext {
  const fromEnv = env.DOCKER_CONTEXT;
  const config = fromEnv ? undefined : readDockerConfig(env, read);
  const name = fromEnv || config?.currentContext;
  if (!name || name === "default") return { kind: "default" };
  const chosenBy = fromEnv ? "DOCKER_CONTEXT" : `currentContext in ${config!.file}`;
  const dir = dockerConfigDir(env);
  const id = contextId(name);
  const metaFile = path.join(dir, "contexts", "meta", id, "meta.json");
  const refused = (reason: string): DockerContext => ({ kind: "refused", name, reason: `docker context "${name}" (from ${chosenBy}) ${reason}` });

  const text = read(metaFile);
  if (text === undefined) return refused(`is not defined: berth looked for ${metaFile}; run \`docker context ls\` to see the contexts${fromEnv ? ", or unset DOCKER_CONTEXT" : ", or go back to the default with `docker context use default`"}`);
  let meta: ContextMeta;
  try {
    meta = JSON.parse(text) as ContextMeta;
  } catch {
    return refused(`cannot be read: ${metaFile} is not valid JSON`);
  }
  const docker = meta?.Endpoints?.docker;
  if (typeof docker?.Host !== "string" || docker.Host === "") return refused(`has no docker endpoint (Endpoints.docker.Host in ${metaFile})`);
  const endpoint = docker.Host;
  if (!endpoint.startsWith("tcp://")) return { kind: "context", name, endpoint };

  if (docker.SkipTLSVerify === true) {
    // berth never talks to an engine it has not verified: whoever sits in the middle would get every secret it sends.
    return refused(`skips TLS verification of ${endpoint}, which berth does not do: give the context the engine's CA (\`docker context update ${name} --docker "host=${endpoint},ca=…,cert=…,key=…"\`) or declare a Host with tls`);
  }
  const tlsDir = path.join(dir, "contexts", "tls", id, "docker");
  const file = (f: string) => (read(path.join(tlsDir, f)) !== undefined ? path.join(tlsDir, f) : undefined);
  const ca = file("ca.pem");
  const cert = file("cert.pem");
  const key = file("key.pem");
  if (cert && key) return { kind: "context", name, endpoint, tls: { ...(ca ? { ca } : {}), cert, key } };
  if (ca || cert || key) {
    return refused(`has TLS files in ${tlsDir} but not both cert.pem and key.pem, and berth reaches a TLS engine only with a client certificate: add them with \`docker context update ${name} --docker "host=${endpoint},ca=…,cert=…,key=…"\``);
  }
  // No TLS at all: plain TCP, as `docker` would use it (see defaultEndpoint).
  return { kind: "context", name, endpoint };
}
