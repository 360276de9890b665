/**
 * One `DockerHost` per Host document (or the default engine when the
 * repository declares none). A Host whose endpoint is refused (plain TCP
 * without `insecure: true`, an unreadable TLS file) is reported, not fatal.
 */
import { plainTcpAllowed, tcpHost } from "../config/engine-rules.ts";
import type { HostSpec } from "../model/fleet.ts";
import type { OperatorConfig } from "../model/operator-config.ts";
import { DockerodeHost } from "../docker/dockerode-host.ts";
import { defaultEndpoint } from "../docker/endpoint.ts";
import { EndpointRefusedError } from "../docker/errors.ts";
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

/**
 * The Host documents of the record's hosts that are no longer in git. A
 * recorded host whose endpoint a host in git has (renamed, or the default
 * engine now declared) is the same engine, not one that left: observing it
 * twice would make its pods look like duplicates of themselves.
 */
export function departedHosts(inGit: readonly HostSpec[], recorded: readonly HostSpec[] = [], env: NodeJS.ProcessEnv = process.env): HostSpec[] {
  const names = new Set(inGit.map((h) => h.name));
  const endpoints = new Set((inGit.length > 0 ? inGit : [defaultHost(env).spec]).map((h) => h.endpoint));
  return recorded.filter((h) => !names.has(h.name) && !endpoints.has(h.endpoint));
}

/**
 * The default engine as a Host, or, when the docker context it names cannot
 * be used, a placeholder refused with why: reported like any refused Host
 * (the plan is incomplete and says so), not thrown past the plan.
 */
function defaultHost(env: NodeJS.ProcessEnv): { spec: HostSpec; refused?: string } {
  const source = { file: "(default)", line: 0 };
  try {
    const local = defaultEndpoint(env);
    return { spec: { ...local, insecure: local.insecure ?? false, labels: {}, drain: false, source } };
  } catch (err) {
    if (!(err instanceof EndpointRefusedError)) throw err;
    return { spec: { name: err.data.host, endpoint: err.data.endpoint, insecure: false, labels: {}, drain: false, source }, refused: err.message };
  }
}

/**
 * Connects the hosts in git (or the default engine) and those that left it.
 * With the operator's configuration, registry credentials go only to the
 * registries it names, `ssh://` engines use its SSH keys and known_hosts,
 * and a plain-TCP `DOCKER_HOST` outside `engines.plainTcp` is refused with
 * the fix.
 */
export function connectHosts(specs: readonly HostSpec[], env: NodeJS.ProcessEnv = process.env, left: readonly HostSpec[] = [], operator?: Pick<OperatorConfig, "plainTcp" | "credentialRegistries" | "ssh">): ConnectedHosts {
  // The default host is read only when the repository declares none, so a stray DOCKER_CONTEXT cannot break a fleet that names its hosts.
  const local = specs.length > 0 ? undefined : defaultHost(env);
  const inGit: HostSpec[] = local ? [local.spec] : [...specs];
  const departed = left.filter((h) => !inGit.some((g) => g.name === h.name));
  const list = [...inGit, ...departed];
  const hosts = new Map<string, DockerHost>();
  const refused = new Map<string, string>();
  for (const s of list) {
    if (local?.refused && s === local.spec) {
      refused.set(s.name, local.refused);
      continue;
    }
    const plain = s.insecure ? tcpHost(s.endpoint) : undefined;
    if (specs.length === 0 && operator && plain !== undefined && !plainTcpAllowed(plain, operator)) {
      const fix = env.DOCKER_HOST ? "set DOCKER_TLS_VERIFY=1 with DOCKER_CERT_PATH" : "give the docker context TLS files (`docker context update --docker host=…,ca=…,cert=…,key=…`)";
      refused.set(s.name, `${env.DOCKER_HOST ? "DOCKER_HOST" : "the docker context's endpoint"} ${s.endpoint} is plain TCP to ${plain}, and whoever controls that engine would receive every secret berth sends it: ${fix}, or the operator can allow the address in engines.plainTcp`);
      continue;
    }
    try {
      hosts.set(s.name, new DockerodeHost({ name: s.name, endpoint: s.endpoint, ...(s.tls ? { tls: s.tls } : {}), insecure: s.insecure, ...(s.address ? { address: s.address } : {}) }, env, {
        ...(operator?.credentialRegistries ? { credentialRegistries: operator.credentialRegistries } : {}),
        ...(operator?.ssh ? { ssh: operator.ssh } : {}),
      }));
    } catch (err) {
      refused.set(s.name, (err as Error).message);
    }
  }
  return { specs: list, departed: new Set(departed.map((h) => h.name)), hosts, refused };
}
