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
  /** The hosts in git (or the default engine), then those that left git. */
  readonly specs: readonly HostSpec[];
  /** Hosts that are no longer in git but that the deployment record says berth deployed to: observed, emptied, never scheduled on. */
  readonly departed: ReadonlySet<string>;
  readonly hosts: ReadonlyMap<string, DockerHost>;
  /** Hosts that could not even be set up, with why. */
  readonly refused: ReadonlyMap<string, string>;
}

/** The Host documents of the record's hosts that are not in git (`left`), by name. */
export function departedHosts(inGit: readonly HostSpec[], recorded: readonly HostSpec[] = []): HostSpec[] {
  const names = new Set(inGit.map((h) => h.name));
  return recorded.filter((h) => !names.has(h.name));
}

export function connectHosts(specs: readonly HostSpec[], env: NodeJS.ProcessEnv = process.env, left: readonly HostSpec[] = []): ConnectedHosts {
  const local = defaultEndpoint(env);
  const inGit: HostSpec[] = specs.length > 0 ? [...specs] : [{ ...local, insecure: local.insecure ?? false, labels: {}, drain: false, source: { file: "(default)", line: 0 } }];
  const departed = left.filter((h) => !inGit.some((g) => g.name === h.name));
  const list = [...inGit, ...departed];
  const hosts = new Map<string, DockerHost>();
  const refused = new Map<string, string>();
  for (const s of list) {
    try {
      hosts.set(s.name, new DockerodeHost({ name: s.name, endpoint: s.endpoint, ...(s.tls ? { tls: s.tls } : {}), insecure: s.insecure }, env));
    } catch (err) {
      refused.set(s.name, (err as Error).message);
    }
  }
  return { specs: list, departed: new Set(departed.map((h) => h.name)), hosts, refused };
}
