/**
 * Registry credentials for a pull, from berth's environment (the
 * operator's, never the repository's), first found wins:
 *
 *   1. BERTH_REGISTRY_SERVER with _USERNAME and _PASSWORD, for that one registry;
 *   2. BERTH_REGISTRY_CONFIG: a docker `config.json` whose `auths` berth reads
 *      instead of docker's own (the operator named it for berth, so berth
 *      does not add the login of whoever runs it);
 *   3. else docker's own config.json ($DOCKER_CONFIG or ~/.docker), read as
 *      `docker pull` reads it: the registry's `credHelpers` entry, else
 *      `credsStore`, else `auths` — one of them, never a mix, as in docker.
 *
 * Credentials go only to the registry they are for, never to another one an
 * image happens to come from; neither they nor a file's or a helper's output
 * ever appear in an error. Helpers run only when an image is really pulled
 * (one the engine already has is not), so they are not cached: a cached
 * short-lived token (a cloud registry's) would outlive itself in the daemon.
 */
import { helperCredentials, type HelperCredentials } from "./credential-helper.ts";
import { parseDockerConfig, readDockerConfig, readFileIfPresent, type DockerConfigAuth, type ReadFile } from "./docker-config.ts";

/** Docker Hub's key in config.json and what its helpers are asked for. */
const DOCKER_HUB = "https://index.docker.io/v1/";

/** The registry an image reference names (`docker.io` when it names none). */
export function registryOf(image: string): string {
  const first = image.split("/")[0] ?? "";
  return image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost") ? first : "docker.io";
}

function fromAuths(auths: Readonly<Record<string, DockerConfigAuth>>, registry: string): HelperCredentials | undefined {
  const keys = registry === "docker.io" ? ["docker.io", DOCKER_HUB, "index.docker.io"] : [registry, `https://${registry}`, `http://${registry}`];
  const entry = keys.map((k) => auths[k]).find((e) => e !== undefined);
  if (entry?.identitytoken) return { identitytoken: entry.identitytoken };
  if (entry?.username && entry.password) return { username: entry.username, password: entry.password };
  if (entry?.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return undefined;
}

function fromBerthConfig(file: string, registry: string, read: ReadFile): HelperCredentials | undefined {
  let text: string | undefined;
  try {
    text = read(file);
  } catch (err) {
    throw new Error(`BERTH_REGISTRY_CONFIG ${file}: it cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  if (text === undefined) throw new Error(`BERTH_REGISTRY_CONFIG ${file}: there is no such file`);
  return fromAuths(parseDockerConfig(file, text, "BERTH_REGISTRY_CONFIG").auths, registry);
}

function fromDockerConfig(registry: string, env: NodeJS.ProcessEnv, read: ReadFile): Promise<HelperCredentials | undefined> {
  const config = readDockerConfig(env, read);
  const key = registry === "docker.io" ? DOCKER_HUB : registry;
  const helper = config.credHelpers[key];
  if (helper) return helperCredentials({ helper, serverURL: key, from: `credHelpers["${key}"] in ${config.file}`, env });
  if (config.credsStore) return helperCredentials({ helper: config.credsStore, serverURL: key, from: `credsStore in ${config.file}`, env });
  return Promise.resolve(fromAuths(config.auths, registry));
}

/** dockerode's `authconfig` for pulling `image`, or `{}` when berth has no credentials for its registry. */
export async function registryAuth(image: string, env: NodeJS.ProcessEnv, read: ReadFile = readFileIfPresent): Promise<Record<string, string>> {
  const registry = registryOf(image);
  const { BERTH_REGISTRY_USERNAME: username, BERTH_REGISTRY_PASSWORD: password, BERTH_REGISTRY_SERVER: server, BERTH_REGISTRY_CONFIG: config } = env;
  if (username && password && server === registry) return { username, password, serveraddress: registry };
  const found = config ? fromBerthConfig(config, registry, read) : await fromDockerConfig(registry, env, read);
  return found ? { ...found, serveraddress: registry } : {};
}
