/**
 * How to reach one Docker engine from a Host's endpoint: `unix://` sockets,
 * `tcp://` with TLS from certificate files, plain `tcp://` only when the
 * Host says `insecure: true` out loud, and `ssh://user@host[:port]` with the
 * operator's key and known_hosts (never anything from the repository).
 */
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { SshSettings } from "../model/operator-config.ts";
import { readFileIfPresent, type ReadFile } from "./docker-config.ts";
import { dockerContext, type DockerContext } from "./docker-context.ts";
import { EndpointRefusedError } from "./errors.ts";

export interface EndpointSpec {
  readonly name: string;
  readonly endpoint: string;
  readonly tls?: { readonly ca?: string; readonly cert: string; readonly key: string };
  readonly insecure?: boolean;
  /** Where the engine's published ports are reached, when it is not the endpoint's host. */
  readonly address?: string;
}

export type Connection =
  | { readonly kind: "unix"; readonly socketPath: string; readonly address: string }
  | {
      readonly kind: "tcp";
      readonly host: string;
      readonly port: number;
      readonly tls?: { readonly ca?: Buffer; readonly cert: Buffer; readonly key: Buffer };
      /** Where published ports of this engine are reached from the reconciler. */
      readonly address: string;
    }
  | {
      readonly kind: "ssh";
      readonly host: string;
      readonly port: number;
      readonly username: string;
      /** The operator's key file's content (ssh.identityFile), when one is configured or found in ~/.ssh. */
      readonly privateKey?: Buffer;
      /** The ssh-agent socket (ssh.agent, else SSH_AUTH_SOCK). */
      readonly agent?: string;
      /** The known_hosts file the host key is checked against; read at every handshake. */
      readonly knownHosts: string;
      /** The ssh host, unless the Host's `address` says otherwise. */
      readonly address: string;
    };

/**
 * The default host when the repository declares none, chosen as the docker
 * CLI chooses: DOCKER_HOST wins; else the docker context named by
 * DOCKER_CONTEXT or by `currentContext` in docker's config.json
 * (docker-context.ts); else (or for the context `default`) the local
 * socket. DOCKER_TLS_VERIFY (any value) turns TLS on for DOCKER_HOST with
 * ca.pem, cert.pem and key.pem from DOCKER_CERT_PATH (default ~/.docker). A
 * tcp:// endpoint without TLS (DOCKER_HOST without DOCKER_TLS_VERIFY, or a
 * context with no TLS files) is plain, for the same reason either way: the
 * operator chose it for their local tools, and `docker` talks to it plain
 * too (the operator config's engines.plainTcp still has the last word). An
 * ssh:// endpoint is passed on as it is. A context berth cannot use is an
 * EndpointRefusedError for host "local".
 */
export function defaultEndpoint(env: NodeJS.ProcessEnv = process.env, read: ReadFile = readFileIfPresent): EndpointSpec {
  const name = "local";
  if (!env.DOCKER_HOST) {
    let context: DockerContext;
    try {
      context = dockerContext(env, read);
    } catch (err) {
      throw new EndpointRefusedError({ host: name, endpoint: "docker context", reason: (err as Error).message });
    }
    if (context.kind === "refused") throw new EndpointRefusedError({ host: name, endpoint: `docker context "${context.name}"`, reason: context.reason });
    if (context.kind === "context") return context.tls ? { name, endpoint: context.endpoint, tls: context.tls } : { name, endpoint: context.endpoint, insecure: context.endpoint.startsWith("tcp://") };
  }
  const endpoint = env.DOCKER_HOST || "unix:///var/run/docker.sock";
  const tcp = endpoint.startsWith("tcp://");
  if (tcp && env.DOCKER_TLS_VERIFY) {
    const dir = env.DOCKER_CERT_PATH || path.join(env.HOME || os.homedir(), ".docker");
    return { name, endpoint, tls: { ca: path.join(dir, "ca.pem"), cert: path.join(dir, "cert.pem"), key: path.join(dir, "key.pem") } };
  }
  return { name, endpoint, insecure: tcp };
}

function readTlsFile(host: string, endpoint: string, what: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new EndpointRefusedError({ host, endpoint, reason: `cannot read TLS ${what} file "${path}": ${(err as Error).message}` });
  }
}

/** The keys ssh tries when none is configured, in its order: the operator's own, never the repository's. */
const DEFAULT_IDENTITIES = ["id_ed25519", "id_ecdsa", "id_rsa"] as const;

/** `ssh://[user@]host[:port]` taken apart, or undefined. */
export function parseSshEndpoint(endpoint: string): { username?: string; host: string; port: number } | undefined {
  const m = /^ssh:\/\/(?:([^@/:\s]+)@)?([^@/:\s[\]]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?\/?$/.exec(endpoint);
  if (!m) return undefined;
  const port = m[3] === undefined ? 22 : Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { ...(m[1] ? { username: m[1] } : {}), host: m[2]!.replace(/^\[|\]$/g, ""), port };
}

function resolveSsh(spec: EndpointSpec, settings: SshSettings, env: NodeJS.ProcessEnv): Connection {
  const { name, endpoint } = spec;
  const parts = parseSshEndpoint(endpoint);
  if (!parts) {
    throw new EndpointRefusedError({ host: name, endpoint, reason: `endpoint "${endpoint}" is not ssh://user@host[:port] (a port from 1 to 65535, no path)` });
  }
  const home = env.HOME || os.homedir();
  const agent = settings.agent ?? (env.SSH_AUTH_SOCK || undefined);
  const identityFile = settings.identityFile ?? (agent ? undefined : DEFAULT_IDENTITIES.map((f) => path.join(home, ".ssh", f)).find((f) => existsSync(f)));
  if (!identityFile && !agent) {
    throw new EndpointRefusedError({
      host: name,
      endpoint,
      reason: `no SSH key to reach ${endpoint}: set ssh.identityFile or ssh.agent in the operator config (--config), or run berth with an ssh-agent (SSH_AUTH_SOCK) or a key in ~/.ssh`,
    });
  }
  let privateKey: Buffer | undefined;
  if (identityFile) {
    try {
      privateKey = readFileSync(identityFile);
    } catch (err) {
      throw new EndpointRefusedError({ host: name, endpoint, reason: `cannot read the SSH key file "${identityFile}" (ssh.identityFile): ${(err as NodeJS.ErrnoException).code ?? "error"}` });
    }
  }
  return {
    kind: "ssh",
    host: parts.host,
    port: parts.port,
    username: parts.username ?? (env.USER || os.userInfo().username),
    ...(privateKey ? { privateKey } : {}),
    ...(agent ? { agent } : {}),
    knownHosts: settings.knownHosts ?? path.join(home, ".ssh", "known_hosts"),
    address: parts.host,
  };
}

/**
 * The connection a Host's endpoint names. `ssh` is the operator's SSH
 * settings (keys, known_hosts); `env` supplies their defaults
 * (SSH_AUTH_SOCK, HOME).
 */
export function resolveEndpoint(spec: EndpointSpec, opts: { readonly ssh?: SshSettings; readonly env?: NodeJS.ProcessEnv } = {}): Connection {
  const { name, endpoint } = spec;
  if (endpoint.startsWith("unix://")) {
    return { kind: "unix", socketPath: endpoint.slice("unix://".length), address: "127.0.0.1" };
  }
  if (endpoint.startsWith("ssh://")) return resolveSsh(spec, opts.ssh ?? {}, opts.env ?? process.env);
  const m = /^tcp:\/\/([^:/]+|\[[^\]]+\]):(\d+)\/?$/.exec(endpoint);
  if (!m) {
    throw new EndpointRefusedError({ host: name, endpoint, reason: `endpoint "${endpoint}" is none of unix:///path, tcp://host:port or ssh://user@host[:port]` });
  }
  const host = m[1]!.replace(/^\[|\]$/g, "");
  const port = Number(m[2]);
  if (spec.tls) {
    const tls = {
      ...(spec.tls.ca ? { ca: readTlsFile(name, endpoint, "ca", spec.tls.ca) } : {}),
      cert: readTlsFile(name, endpoint, "cert", spec.tls.cert),
      key: readTlsFile(name, endpoint, "key", spec.tls.key),
    };
    return { kind: "tcp", host, port, tls, address: host };
  }
  if (!spec.insecure) {
    throw new EndpointRefusedError({
      host: name,
      endpoint,
      reason: `${endpoint} has no TLS, and anyone who reaches it controls the engine; set tls: {ca, cert, key} or, on a trusted network, insecure: true`,
    });
  }
  return { kind: "tcp", host, port, address: host };
}
