/**
 * Where the test bed lives and what it is made of. Every path is under one
 * gitignored folder (`.bed/` at the repository root) so `bed:down --purge`
 * leaves nothing behind.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** One Docker engine of the bed, standing in for one machine. */
export interface BedHost {
  readonly name: string;
  readonly index: number;
  /** The engine's own loopback address: published ports bind here. */
  readonly ip: string;
  readonly socket: string;
  /** Plain TCP endpoint on loopback, as `Host` documents name it (`insecure: true`). */
  readonly tcp: string;
  readonly bridge: string;
  /** The bridge's address in CIDR form (first address of the subnet). */
  readonly bridgeCidr: string;
  readonly dir: string;
  readonly pidFile: string;
  readonly logFile: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface BedLayout {
  readonly stateDir: string;
  readonly hosts: readonly BedHost[];
  readonly registry: { readonly addr: string; readonly dir: string; readonly pidFile: string; readonly logFile: string };
  readonly git: {
    readonly url: string;
    readonly host: string;
    readonly port: number;
    readonly reposDir: string;
    readonly credentialsFile: string;
    readonly pidFile: string;
    readonly logFile: string;
  };
  readonly images: { readonly manifestFile: string; readonly buildDir: string };
  readonly etcd: {
    readonly url: string;
    readonly clientPort: number;
    readonly peerPort: number;
    /** Every engine's bridge gateway: pods reach etcd there as `host.berth.internal:2379`. */
    readonly listenHosts: readonly string[];
    readonly dataDir: string;
    readonly pidFile: string;
    readonly logFile: string;
  };
  /** sshd on 127.0.0.1:2222: `endpoint` reaches engine `host` (h2) as user berth with `.bed/ssh/id_ed25519` (testbed/ssh.ts). */
  readonly ssh: {
    readonly endpoint: string;
    readonly port: number;
    /** The engine the login reaches. */
    readonly host: BedHost;
    /** Configuration, keys (`id_ed25519`), `known_hosts`, pid and log. */
    readonly dir: string;
    readonly identityFile: string;
    readonly knownHosts: string;
    readonly pidFile: string;
  };
  readonly prometheus: {
    readonly url: string;
    /** `127.0.0.1:9090`, as `--web.listen-address` takes it. */
    readonly listen: string;
    readonly configFile: string;
    readonly dataDir: string;
    readonly pidFile: string;
    readonly logFile: string;
  };
}

export const REGISTRY_ADDR = "127.0.0.1:5000";
export const GIT_PORT = 8470;
export const IMAGE_PREFIX = `${REGISTRY_ADDR}/berth`;
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
/** The bed's etcd, from this machine. Pods on engine hN reach it at 198.18.N.1:2379 (`host.berth.internal:2379`). */
export const ETCD_URL = `http://127.0.0.1:${ETCD_CLIENT_PORT}`;
export const SSH_PORT = 2222;
/** The bed's SSH engine: h2's socket, reached as `docker -H ssh://` would (testbed/ssh.ts). */
export const SSH_ENDPOINT = `ssh://berth@127.0.0.1:${SSH_PORT}`;
export const PROMETHEUS_PORT = 9090;
/** The bed's Prometheus: it scrapes every berth-managed main container that publishes 8080, on every engine (testbed/prometheus.ts). */
export const PROMETHEUS_URL = `http://127.0.0.1:${PROMETHEUS_PORT}`;

/** Zones match `examples-repo/`: h1 and h2 in zone a, h3 in zone b. */
const HOST_ZONES = ["a", "a", "b"] as const;

// A unix socket path must fit in sun_path (108 bytes on Linux).
const MAX_SOCKET_PATH = 100;

export function bedLayout(stateDir = path.join(repoRoot, ".bed")): BedLayout {
  const hosts = HOST_ZONES.map((zone, i): BedHost => {
    const index = i + 1;
    const dir = path.join(stateDir, `h${index}`);
    const ip = `127.0.0.${10 + index}`;
    return {
      name: `h${index}`,
      index,
      ip,
      socket: path.join(dir, "docker.sock"),
      tcp: `tcp://${ip}:2375`,
      bridge: `br-berth${index}`,
      // 198.18.0.0/15 is reserved for network benchmarking (RFC 2544): it
      // cannot collide with a real private network on the machine.
      bridgeCidr: `198.18.${index}.1/24`,
      dir,
      pidFile: path.join(dir, "docker.pid"),
      logFile: path.join(dir, "dockerd.log"),
      labels: { zone },
    };
  });
  for (const h of hosts) {
    if (h.socket.length > MAX_SOCKET_PATH) {
      throw new Error(
        `The test bed's socket path "${h.socket}" is ${h.socket.length} bytes, over the ${MAX_SOCKET_PATH} a unix socket allows; clone the repository to a shorter path.`,
      );
    }
  }
  const gitDir = path.join(stateDir, "git");
  const registryDir = path.join(stateDir, "registry");
  const etcdDir = path.join(stateDir, "etcd");
  const prometheusDir = path.join(stateDir, "prometheus");
  const sshDir = path.join(stateDir, "ssh");
  return {
    stateDir,
    hosts,
    registry: {
      addr: REGISTRY_ADDR,
      dir: registryDir,
      pidFile: path.join(registryDir, "registry.pid"),
      logFile: path.join(registryDir, "registry.log"),
    },
    git: {
      url: `http://127.0.0.1:${GIT_PORT}`,
      host: "127.0.0.1",
      port: GIT_PORT,
      reposDir: path.join(gitDir, "repos"),
      credentialsFile: path.join(gitDir, "credentials.json"),
      pidFile: path.join(gitDir, "server.pid"),
      logFile: path.join(gitDir, "server.log"),
    },
    images: { manifestFile: path.join(stateDir, "images.json"), buildDir: path.join(stateDir, "build") },
    etcd: {
      url: ETCD_URL,
      clientPort: ETCD_CLIENT_PORT,
      peerPort: ETCD_PEER_PORT,
      listenHosts: hosts.map((h) => h.bridgeCidr.split("/")[0]!),
      dataDir: path.join(etcdDir, "data"),
      pidFile: path.join(etcdDir, "etcd.pid"),
      logFile: path.join(etcdDir, "etcd.log"),
    },
    ssh: {
      endpoint: SSH_ENDPOINT,
      port: SSH_PORT,
      host: hosts[1]!,
      dir: sshDir,
      identityFile: path.join(sshDir, "id_ed25519"),
      knownHosts: path.join(sshDir, "known_hosts"),
      pidFile: path.join(sshDir, "sshd.pid"),
    },
    prometheus: {
      url: PROMETHEUS_URL,
      listen: `127.0.0.1:${PROMETHEUS_PORT}`,
      configFile: path.join(prometheusDir, "prometheus.yml"),
      dataDir: path.join(prometheusDir, "data"),
      pidFile: path.join(prometheusDir, "prometheus.pid"),
      logFile: path.join(prometheusDir, "prometheus.log"),
    },
  };
}
