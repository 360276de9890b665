/**
 * The HAProxy configuration of one host's proxy, rendered from the routes:
 * pure text from data. Every exposed port is a frontend (tcp, or http for
 * `protocol: http`) bound on the
 * host's own address (clients) and on its engine's bridge gateway (pods on
 * that host, as `host.berth.internal`), balanced over every routed replica
 * of the service on every host, each health-checked by HAProxy itself.
 *
 * Why these settings:
 * - `mode tcp` by default: an exposed port carries whatever the service
 *   speaks; `protocol: http` balances requests and retries them (below).
 * - `check inter 1s fall 2`: a replica on a host that died is out of the
 *   pool within about 2 s, before berth has even observed it.
 * - `option redispatch 1` + `retries`: every retry goes to another replica
 *   (by default only the last one does, and three went to the same dying
 *   replica first); a connection refused by a replica that
 *   just went away is retried on another one, so the client never sees it.
 * - master-worker (`-W`) with `expose-fd listeners`: a reload (SIGUSR2)
 *   hands the listening sockets to the new worker, so no connection is
 *   refused while the routes change; the old worker finishes the
 *   connections it has (bounded by `hard-stop-after`, which matches the
 *   client timeout). Measured on the bed: 30 reloads under a client with no
 *   retries, 0 failed of 46,577 requests.
 * The first line carries a digest of the rest, so berth can tell by reading
 * one line whether a proxy routes what it should; the admin socket is named
 * after it, so berth can tell that a reload took.
 */
import { createHash } from "node:crypto";
import type { PlanBackend, TrafficPlan } from "../plan/types.ts";

/** Where the proxy's config lives inside its container. */
export const CONFIG_FILE = "/tmp/berth/haproxy.cfg";
/** Each config binds its own admin socket, named after its digest: the file appears once HAProxy's master has loaded that config, which is how a push knows its reload took (proxy-sync in router.ts). */
export function adminSocket(digest: string): string {
  return `/tmp/berth/admin-${digest}.sock`;
}

/** One replica a proxy sends traffic to. */
export type Backend = PlanBackend;

/** An exposed service and the replicas routed to it: the same on every host. Backends sorted by host, slot, pod. */
export type ServiceRoutes = TrafficPlan["services"][number];

/** Where one host's proxy listens. */
export interface ProxyBinds {
  /** The host's own address (an IP); absent or not an IP: every address. */
  readonly address?: string;
  /** The engine's bridge gateway, where that host's pods reach it. */
  readonly gateway?: string;
}

/** The global section; `stats socket` is added per config. */
const GLOBAL = [
  "global",
  "  maxconn 4096",
  "  hard-stop-after 30s",
  // Without it a second proxy (another owner's, on a shared host) would bind the same port too and silently take half the connections; with it, its reload fails and berth says so.
  "  noreuseport",
  "defaults",
  "  mode tcp",
  "  timeout connect 2s",
  "  timeout client 30s",
  "  timeout server 30s",
  "  option redispatch 1",
  "  retries 3",
  "  default-server inter 1s fall 2 rise 1",
];

/** An exposed port with `protocol: http`. */
const HTTP_MODE = ["  mode http"];
/**
 * A request whose replica went away before answering (its connection
 * refused or reset, nothing sent back) is sent to another replica. In tcp
 * mode that cannot be done: the bytes are already gone. Measured on the bed
 * while a host's engine stopped: tcp, 6–42 resets at the other hosts'
 * addresses; http with these, none.
 */
const HTTP_RETRY = ["  retry-on conn-failure empty-response response-timeout"];

/**
 * What the proxy starts with, before berth has pushed any route: it listens
 * only on unix sockets. Fixed text, not built from the settings above: it is
 * part of the proxy pod's spec, and a change here replaces every proxy.
 */
export const BOOT_CONFIG = [
  "global",
  "  stats socket /tmp/berth/admin-boot.sock mode 600 level admin expose-fd listeners",
  "defaults",
  "  mode tcp",
  "  timeout connect 2s",
  "  timeout client 30s",
  "  timeout server 30s",
  "listen berth-boot",
  "  bind unix@/tmp/berth/boot.sock",
  "",
].join("\n");

/** The lines with the admin socket of `digest` as the global section's second line. */
function withSocket(lines: readonly string[], digest: string): string[] {
  return [lines[0]!, `  stats socket ${adminSocket(digest)} mode 600 level admin expose-fd listeners`, ...lines.slice(1)];
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function bindLines(port: number, binds: ProxyBinds): string[] {
  if (!binds.address || !IPV4.test(binds.address)) return [`  bind :${port}`];
  return [`  bind ${binds.address}:${port}`, ...(binds.gateway && binds.gateway !== binds.address ? [`  bind ${binds.gateway}:${port}`] : [])];
}

/** The server name HAProxy shows for a backend: host, slot and pod, so logs and stats say which replica. */
export function serverName(b: Backend): string {
  return `${b.host}-s${b.slot}-${b.pod}`;
}

/**
 * The whole config of one host's proxy.
 * @example renderProxyConfig([{ service: "web", expose: [{ port: 18080, targetPort: "http", containerPort: 8080 }], backends: [] }], { address: "127.0.0.11" })
 */
export function renderProxyConfig(routes: readonly ServiceRoutes[], binds: ProxyBinds): string {
  const body: string[] = [...GLOBAL];
  for (const r of routes) {
    for (const e of r.expose) {
      const name = `${r.service}-${e.port}`;
      const http = e.protocol === "http" ? HTTP_MODE : [];
      body.push(`frontend ${name}`, ...bindLines(e.port, binds), ...http, `  default_backend ${name}`);
      body.push(`backend ${name}`, "  balance roundrobin", ...http, ...(e.protocol === "http" ? HTTP_RETRY : []));
      for (const b of r.backends) {
        const port = b.ports[String(e.containerPort)];
        if (port !== undefined) body.push(`  server ${serverName(b)} ${b.address}:${port} check`);
      }
    }
  }
  // With no exposed service left, the proxy still needs a listener to run.
  if (routes.length === 0) body.push("listen berth-boot", "  bind unix@/tmp/berth/boot.sock");
  const digest = createHash("sha256").update(body.join("\n")).digest("hex").slice(0, 16);
  return [`${DIGEST_PREFIX}${digest}`, ...withSocket(body, digest)].join("\n") + "\n";
}

/** A rendered config's first line is this prefix and the digest of its routes and settings. */
export const DIGEST_PREFIX = "# berth routes ";

/** The digest on a rendered config's first line. */
export function configDigest(config: string): string | undefined {
  const first = config.slice(0, config.indexOf("\n"));
  return first.startsWith(DIGEST_PREFIX) ? first.slice(DIGEST_PREFIX.length) : undefined;
}
