/**
 * etcd for the bed and for tests: Debian's `etcd` (package etcd-server) as a
 * one-member cluster in the background, tracked by a pid file like the bed's
 * other daemons. The bed runs one on 127.0.0.1:2379 (`ETCD_URL`), which also
 * listens on every engine's bridge gateway so that pods reach it as
 * `host.berth.internal:2379`; a test that needs to stop etcd under berth
 * starts a private one on other ports with the same functions.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { isAlive, readPid, startDetached, stopByPidFile, waitForStart } from "./daemon.ts";

export const ETCD_BINARY = "/usr/bin/etcd";

export interface EtcdOptions {
  /** Holds the member's data; kept between starts, so the keys survive a restart. */
  readonly dataDir: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /**
   * Addresses to listen for clients on, besides 127.0.0.1 (always first and
   * the one advertised). They must exist on the machine when etcd starts.
   */
  readonly listenHosts?: readonly string[];
  readonly logFile: string;
  readonly pidFile: string;
  /** The member's name (default `bed`). */
  readonly name?: string;
  /**
   * Clients speak TLS and must show a certificate signed by `ca`; `/health`
   * is then served in plain HTTP on `metricsPort` (etcd's --listen-metrics-urls).
   */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca: string; readonly metricsPort: number };
  /** How long to wait for `/health` to answer (default 30 s). */
  readonly timeoutMs?: number;
}

export interface RunningEtcd {
  /** The client URL on loopback, e.g. `http://127.0.0.1:2379`. */
  readonly url: string;
  readonly pid: number;
  readonly state: "started" | "running";
}

/** etcd could not be started or did not answer; `data.logTail` quotes its log. */
export class EtcdStartError extends Error {
  readonly code = "BED_ETCD_START";
  constructor(readonly data: { url: string; logFile: string; cause: string; logTail: string }) {
    super(`etcd at ${data.url} did not come up: ${data.cause}. Last lines of ${data.logFile}:\n${data.logTail || "(empty)"}`);
  }
}

/** Whether the etcd at `url` answers `/health` with `{"health":"true"}`. */
export async function pingEtcd(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return false;
    return ((await res.json()) as { health?: string }).health === "true";
  } catch {
    return false;
  }
}

function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/**
 * Starts etcd unless the pid file names one that answers; idempotent. A pid
 * file whose process is gone or does not answer is cleared first.
 */
export async function startEtcd(opts: EtcdOptions): Promise<RunningEtcd> {
  const scheme = opts.tls ? "https" : "http";
  const url = `${scheme}://127.0.0.1:${opts.clientPort}`;
  // With TLS, health is asked on the plain metrics listener: the client port wants a client certificate.
  const health = opts.tls ? `http://127.0.0.1:${opts.tls.metricsPort}` : url;
  const running = readPid(opts.pidFile);
  if (running !== undefined && isAlive(running) && (await pingEtcd(health))) return { url, pid: running, state: "running" };
  await stopByPidFile(opts.pidFile);
  if (!existsSync(ETCD_BINARY)) {
    throw new EtcdStartError({ url, logFile: opts.logFile, cause: `${ETCD_BINARY} is missing (install the Debian package etcd-server)`, logTail: "" });
  }
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(path.dirname(opts.logFile), { recursive: true });
  mkdirSync(path.dirname(opts.pidFile), { recursive: true });
  const name = opts.name ?? "bed";
  const peer = `http://127.0.0.1:${opts.peerPort}`;
  const clients = ["127.0.0.1", ...(opts.listenHosts ?? []).filter((h) => h !== "127.0.0.1")].map((h) => `${scheme}://${h}:${opts.clientPort}`);
  const tlsArgs = opts.tls ? ["--cert-file", opts.tls.cert, "--key-file", opts.tls.key, "--trusted-ca-file", opts.tls.ca, "--client-cert-auth", "--listen-metrics-urls", health] : [];
  const pid = startDetached({
    command: ETCD_BINARY,
    args: [
      "--name", name,
      "--data-dir", opts.dataDir,
      "--listen-client-urls", clients.join(","),
      "--advertise-client-urls", url,
      "--listen-peer-urls", peer,
      "--initial-advertise-peer-urls", peer,
      "--initial-cluster", `${name}=${peer}`,
      // Ignored once the data folder holds a member, so a restart keeps the keys.
      "--initial-cluster-state", "new",
      "--log-level", "warn",
      "--logger", "zap",
      ...tlsArgs,
    ],
    logFile: opts.logFile,
    pidFile: opts.pidFile,
  });
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const cause = await waitForStart({ pid, pidFile: opts.pidFile, probe: () => pingEtcd(health), timeoutMs, notReady: `no healthy answer from ${health}/health within ${timeoutMs} ms` });
  if (cause !== undefined) throw new EtcdStartError({ url, logFile: opts.logFile, cause, logTail: logTail(opts.logFile) });
  return { url, pid, state: "started" };
}

/**
 * Stops the etcd named by `pidFile` and returns once its process is gone
 * (SIGTERM, SIGKILL after 10 s). Returns whether one was running.
 */
export function stopEtcd(pidFile: string): Promise<boolean> {
  return stopByPidFile(pidFile, 10_000);
}
