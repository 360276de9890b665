/**
 * One `DockerHost` per Host document (or the default engine when the
 * repository declares none). A Host whose endpoint is refused (plain TCP
 * without `insecure: true`, an unreadable TLS file) is reported, not fatal.
 */
import type { HostSpec } from "../model/fleet.ts";
import { DockerodeHost } from "../docker/dockerode-host.ts";
import { defaultEndpoint } from "../docker/endpoint.ts";
import type { DockerHost } from "../docker/types.ts";

export interface ConnectedHosts {
  readonly specs: readonly HostSpec[];
  readonly hosts: ReadonlyMap<string, DockerHost>;
  /** Hosts that could not even be set up, with why. */
  readonly refused: ReadonlyMap<string, string>;
}

export function connectHosts(specs: readonly HostSpec[], env: NodeJS.ProcessEnv = process.env): ConnectedHosts {
  const local = defaultEndpoint(env);
  const list: HostSpec[] = specs.length > 0 ? [...specs] : [{ ...local, insecure: local.insecure ?? false, labels: {}, drain: false, source: { file: "(default)", line: 0 } }];
  const hosts = new Map<string, DockerHost>();
  const refused = new Map<string, string>();
  for (const s of list) {
    try {
      hosts.set(s.name, new DockerodeHost({ name: s.name, endpoint: s.endpoint, ...(s.tls ? { tls: s.tls } : {}), insecure: s.insecure }, env));
    } catch (err) {
      refused.set(s.name, (err as Error).message);
    }
  }
  return { specs: list, hosts, refused };
}
