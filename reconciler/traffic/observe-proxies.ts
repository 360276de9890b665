/**
 * The I/O half of observing traffic: for every host whose `berth-proxy`
 * runs, the digest on its config's first line (one exec reading one line)
 * and the engine's bridge gateway (read once per engine). A proxy that
 * cannot be read is reported as such, never as in sync.
 */
import pLimit from "p-limit";
import type { DockerHost, HostObservation, ProxyObservation } from "../docker/types.ts";
import { adminSocket, CONFIG_FILE, configDigest, DIGEST_PREFIX } from "./haproxy-config.ts";
import { PROXY_SERVICE } from "./proxy-service.ts";

const READ_TIMEOUT_MS = 5_000;

/**
 * The config's first line, but only when HAProxy has loaded that config (its
 * admin socket, named after the digest, exists): a config put in place
 * whose reload failed (a port held by something else) is not in sync.
 */
const READ_SCRIPT = `l=$(head -n 1 ${CONFIG_FILE}) && d=\${l#"${DIGEST_PREFIX}"} && [ -S "${adminSocket("$d")}" ] && echo "$l"`;

/** The running proxy main container on an observed host, if any. */
export function proxyContainer(o: HostObservation): { id: string; pod: string } | undefined {
  if (!o.ok) return undefined;
  const c = o.containers.find((c) => c.kind === "service" && c.group === PROXY_SERVICE && c.container === "main" && c.state === "running");
  return c ? { id: c.id, pod: c.pod } : undefined;
}

export async function observeProxies(hosts: ReadonlyMap<string, DockerHost>, observations: readonly HostObservation[], concurrency = 32): Promise<ProxyObservation[]> {
  const limit = pLimit(concurrency);
  const found = observations.flatMap((o) => {
    const c = proxyContainer(o);
    const host = hosts.get(o.host);
    return c && host ? [{ o, c, host }] : [];
  });
  return Promise.all(
    found.map(({ o, c, host }) =>
      limit(async (): Promise<ProxyObservation> => {
        const [line, gateway] = await Promise.all([
          host.exec(c.id, ["/bin/sh", "-c", READ_SCRIPT], READ_TIMEOUT_MS).then(
            (r) => (r.exitCode === 0 ? r.output.trim() : undefined),
            () => undefined,
          ),
          host.bridgeGateway().catch(() => undefined),
        ]);
        const digest = line === undefined ? undefined : configDigest(`${line}\n`);
        return { host: o.host, container: c.id, pod: c.pod, ...(digest ? { routesDigest: digest } : {}), ...(gateway ? { gateway } : {}) };
      }),
    ),
  );
}
