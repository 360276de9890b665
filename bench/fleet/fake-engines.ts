/**
 * A simulated fleet of Docker engines for the scale benchmark (issue 16):
 * one HTTP server on one port answers for every host, each host a loopback
 * address of its own (127.10.x.y; Linux routes all of 127/8 to lo), told
 * apart by the address a connection came in on. It answers what berth
 * observes with (containers/json, info, events, _ping, version), counts
 * requests and open connections per host, and can add latency, make a host
 * slow (answers after a delay), hang (never answers) or dead (connections
 * reset), and hold seeded containers.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** The loopback address of simulated host `i` (0-based): 127.10.0.1 … 127.10.39.250 for 10,000 hosts. */
export function fakeHostAddress(i: number): string {
  return `127.10.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

/** What `GET /containers/json` returns for one container (the fields berth reads). */
export interface FakeContainer {
  readonly Id: string;
  readonly Names: readonly string[];
  readonly Image: string;
  readonly Labels: Readonly<Record<string, string>>;
  readonly State: string;
  readonly Status: string;
  readonly Created: number;
  readonly Ports: readonly { PrivatePort: number; PublicPort?: number; Type: string; IP?: string }[];
}

export interface HostCounters {
  requests: number;
  /** Connections made to this host. */
  connections: number;
  open: number;
  peakOpen: number;
  streams: number;
}

export interface FleetStats {
  readonly hosts: number;
  readonly requests: number;
  /** Most connections open at once, over every host. */
  readonly peakOpen: number;
  readonly open: number;
  readonly streams: number;
  /** Requests of the busiest host. */
  readonly maxRequestsPerHost: number;
  readonly connections: number;
  /** Connections made to the host that got the most. */
  readonly maxConnectionsPerHost: number;
  readonly byPath: Readonly<Record<string, number>>;
}

export interface FakeEngineFleet {
  readonly port: number;
  seed(address: string, containers: readonly FakeContainer[]): void;
  /** Answer this host's requests after `ms`; `Infinity` never answers. */
  slow(address: string, ms: number): void;
  /** Reset every connection to this host at once. */
  dead(address: string): void;
  /** Answer this host again (undoes slow and dead). */
  revive(address: string): void;
  stats(): FleetStats;
  /** Counters back to zero (open connections stay counted). */
  reset(): void;
  close(): Promise<void>;
}

const GiB = 2 ** 30;

export async function startFakeEngines(opts: { latencyMs?: number; cpus?: number; memory?: number } = {}): Promise<FakeEngineFleet> {
  const containers = new Map<string, readonly FakeContainer[]>();
  const slowMs = new Map<string, number>();
  const deadHosts = new Set<string>();
  const counters = new Map<string, HostCounters>();
  const byPath = new Map<string, number>();
  let open = 0;
  let peakOpen = 0;
  const sockets = new Set<Socket>();
  const counterOf = (address: string): HostCounters => {
    let c = counters.get(address);
    if (!c) counters.set(address, (c = { requests: 0, connections: 0, open: 0, peakOpen: 0, streams: 0 }));
    return c;
  };
  const info = JSON.stringify({ NCPU: opts.cpus ?? 8, MemTotal: opts.memory ?? 32 * GiB, ServerVersion: "fake-24.0", OperatingSystem: "berth fake engine" });

  const answer = (req: http.IncomingMessage, res: http.ServerResponse, address: string): void => {
    const url = new URL(req.url ?? "/", "http://fake");
    const route = url.pathname.replace(/^\/v\d+\.\d+/, "");
    byPath.set(`${req.method} ${route}`, (byPath.get(`${req.method} ${route}`) ?? 0) + 1);
    if (route === "/_ping") return void res.end("OK");
    if (route === "/version") return void res.setHeader("content-type", "application/json").end(JSON.stringify({ Version: "24.0.0", ApiVersion: "1.43" }));
    if (route === "/info") return void res.setHeader("content-type", "application/json").end(info);
    if (route === "/containers/json") {
      let list = containers.get(address) ?? [];
      if (url.searchParams.get("all") !== "1" && url.searchParams.get("all") !== "true") list = list.filter((c) => c.State === "running");
      const filters = url.searchParams.get("filters");
      const labels: string[] = filters ? ((JSON.parse(filters) as { label?: string[] }).label ?? []) : [];
      for (const l of labels) {
        const [k, v] = l.split("=");
        list = list.filter((c) => (v === undefined ? k! in c.Labels : c.Labels[k!] === v));
      }
      return void res.setHeader("content-type", "application/json").end(JSON.stringify(list));
    }
    if (route === "/events") {
      counterOf(address).streams++;
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      req.on("close", () => counterOf(address).streams--);
      return;
    }
    res.statusCode = 404;
    res.setHeader("content-type", "application/json").end(JSON.stringify({ message: `the fake engine does not do ${req.method} ${route}` }));
  };

  const server = http.createServer((req, res) => {
    const address = req.socket.localAddress ?? "?";
    counterOf(address).requests++;
    const delay = (slowMs.get(address) ?? 0) + (opts.latencyMs ?? 0);
    if (delay === Number.POSITIVE_INFINITY) return; // never answers; the client has to give up
    if (delay > 0) setTimeout(() => answer(req, res, address), delay);
    else answer(req, res, address);
  });
  server.keepAliveTimeout = 5_000;
  server.on("connection", (socket) => {
    const address = socket.localAddress ?? "?";
    if (deadHosts.has(address)) return void socket.resetAndDestroy();
    const c = counterOf(address);
    sockets.add(socket);
    c.connections++;
    open++;
    peakOpen = Math.max(peakOpen, open);
    c.open++;
    c.peakOpen = Math.max(c.peakOpen, c.open);
    socket.on("close", () => {
      sockets.delete(socket);
      open--;
      c.open--;
    });
  });
  server.maxConnections = 1_000_000;
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen({ host: "0.0.0.0", port: 0, backlog: 4096 }, resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    seed: (address, list) => void containers.set(address, list),
    slow: (address, ms) => void slowMs.set(address, ms),
    dead: (address) => void deadHosts.add(address),
    revive: (address) => {
      slowMs.delete(address);
      deadHosts.delete(address);
    },
    stats: () => {
      let requests = 0;
      let streams = 0;
      let maxRequestsPerHost = 0;
      let connections = 0;
      let maxConnectionsPerHost = 0;
      for (const c of counters.values()) {
        requests += c.requests;
        connections += c.connections;
        maxConnectionsPerHost = Math.max(maxConnectionsPerHost, c.connections);
        streams += c.streams;
        maxRequestsPerHost = Math.max(maxRequestsPerHost, c.requests);
      }
      return { hosts: counters.size, requests, peakOpen, open, streams, maxRequestsPerHost, connections, maxConnectionsPerHost, byPath: Object.fromEntries(byPath) };
    },
    reset: () => {
      for (const c of counters.values()) {
        c.requests = 0;
        c.connections = 0;
        c.peakOpen = c.open;
      }
      byPath.clear();
      peakOpen = open;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
