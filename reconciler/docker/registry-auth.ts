/**
 * Registry credentials for a pull, from berth's environment — for one
 * registry (BERTH_REGISTRY_SERVER with _USERNAME and _PASSWORD) or for
 * several (BERTH_REGISTRY_CONFIG: a docker `config.json` with `auths`, as
 * `docker login` writes it). Credentials go only to the registry they are
 * for, never to another one an image happens to come from; neither they nor
 * the file's content ever appear in an error.
 */
import { readFileSync } from "node:fs";

/** The registry an image reference names (`docker.io` when it names none). */
export function registryOf(image: string): string {
  const first = image.split("/")[0] ?? "";
  return image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost") ? first : "docker.io";
}

interface DockerConfigAuth {
  readonly auth?: string;
  readonly username?: string;
  readonly password?: string;
}

function fromConfig(file: string, registry: string, read: (path: string) => string): { username: string; password: string } | undefined {
  let auths: Record<string, DockerConfigAuth>;
  try {
    auths = (JSON.parse(read(file)) as { auths?: Record<string, DockerConfigAuth> }).auths ?? {};
  } catch (err) {
    // JSON.parse quotes the text around a syntax error: say where, never what.
    const why = err instanceof SyntaxError ? "it is not valid JSON" : `it cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`;
    throw new Error(`BERTH_REGISTRY_CONFIG ${file}: ${why}`);
  }
  const keys = registry === "docker.io" ? ["docker.io", "https://index.docker.io/v1/", "index.docker.io"] : [registry, `https://${registry}`, `http://${registry}`];
  const entry = keys.map((k) => auths[k]).find((e) => e !== undefined);
  if (entry?.username && entry.password) return { username: entry.username, password: entry.password };
  if (entry?.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return undefined;
}

/** dockerode's `authconfig` for pulling `image`, or `{}` when berth has no credentials for its registry. */
export function registryAuth(image: string, env: NodeJS.ProcessEnv, read: (path: string) => string = (p) => readFileSync(p, "utf8")): Record<string, string> {
  const registry = registryOf(image);
  const { BERTH_REGISTRY_USERNAME: username, BERTH_REGISTRY_PASSWORD: password, BERTH_REGISTRY_SERVER: server, BERTH_REGISTRY_CONFIG: config } = env;
  if (username && password && server === registry) return { username, password, serveraddress: registry };
  const found = config ? fromConfig(config, registry, read) : undefined;
  return found ? { ...found, serveraddress: registry } : {};
}
