/**
 * How to reach one Docker engine from a Host's endpoint: `unix://` sockets,
 * `tcp://` with TLS from certificate files, and plain `tcp://` only when the
 * Host says `insecure: true` out loud.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
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
    };

/**
 * The default host when the repository declares none: DOCKER_HOST or the
 * local socket, read as the docker CLI reads them. DOCKER_TLS_VERIFY (any
 * value) turns TLS on with ca.pem, cert.pem and key.pem from DOCKER_CERT_PATH
 * (default ~/.docker); without it a tcp:// DOCKER_HOST is plain, because the
 * operator chose it for their local tools.
 */
export function defaultEndpoint(env: NodeJS.ProcessEnv = process.env): EndpointSpec {
  const endpoint = env.DOCKER_HOST || "unix:///var/run/docker.sock";
  const tcp = endpoint.startsWith("tcp://");
  if (tcp && env.DOCKER_TLS_VERIFY) {
    const dir = env.DOCKER_CERT_PATH || path.join(env.HOME || os.homedir(), ".docker");
    return { name: "local", endpoint, tls: { ca: path.join(dir, "ca.pem"), cert: path.join(dir, "cert.pem"), key: path.join(dir, "key.pem") } };
  }
  return { name: "local", endpoint, insecure: tcp };
}

function readTlsFile(host: string, endpoint: string, what: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new EndpointRefusedError({ host, endpoint, reason: `cannot read TLS ${what} file "${path}": ${(err as Error).message}` });
  }
}

export function resolveEndpoint(spec: EndpointSpec): Connection {
  const { name, endpoint } = spec;
  if (endpoint.startsWith("unix://")) {
    return { kind: "unix", socketPath: endpoint.slice("unix://".length), address: "127.0.0.1" };
  }
  const m = /^tcp:\/\/([^:/]+|\[[^\]]+\]):(\d+)\/?$/.exec(endpoint);
  if (!m) {
    throw new EndpointRefusedError({ host: name, endpoint, reason: `endpoint "${endpoint}" is neither unix:///path nor tcp://host:port` });
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
