/**
 * Prometheus for the bed (Debian's `prometheus` package, 2.42) on
 * 127.0.0.1:9090 (`PROMETHEUS_URL`), tracked by a pid file like the bed's
 * other daemons. It finds the test app's pods by itself, with one
 * `docker_sd_configs` per engine socket, so a replica that berth starts is
 * scraped within seconds without the test telling anyone: the autoscaling
 * tests (test/integration/autoscale/) query what the pods' `/metrics` say.
 * Scrape and evaluation every second keep those tests quick.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { isAlive, readPid, startDetached, stopByPidFile, waitForStart } from "./daemon.ts";
import type { BedHost } from "./layout.ts";

const run = promisify(execFile);

export const PROMETHEUS_BINARY = "/usr/bin/prometheus";

export interface PrometheusOptions {
  /** `127.0.0.1:9090`: where it listens (loopback only). */
  readonly listen: string;
  readonly configFile: string;
  /** Its TSDB; kept between starts. */
  readonly dataDir: string;
  readonly logFile: string;
  readonly pidFile: string;
  /** The engines whose containers it discovers. */
  readonly hosts: readonly BedHost[];
  /** How long to wait for `/-/ready` (default 30 s). */
  readonly timeoutMs?: number;
}

export interface RunningPrometheus {
  readonly url: string;
  readonly pid: number;
  /** `reloaded`: it ran with another configuration, which it now reads. */
  readonly state: "started" | "running" | "reloaded";
}

/** Prometheus could not be started or did not become ready; `data.logTail` quotes its log. */
export class PrometheusStartError extends Error {
  readonly code = "BED_PROMETHEUS_START";
  constructor(readonly data: { url: string; logFile: string; cause: string; logTail: string }) {
    super(`Prometheus at ${data.url} did not come up: ${data.cause}. Last lines of ${data.logFile}:\n${data.logTail || "(empty)"}`);
  }
}

/**
 * The scrape configuration: per engine, the running containers labelled
 * `berth.managed=true` and `berth.container=main` (the engine filters them,
 * the relabelling checks again) that publish container port 8080, scraped
 * at the address and port the engine publishes them on (its own loopback
 * address, 127.0.0.1N), labelled with berth's service, owner and slot and
 * the engine's name. Docker's service discovery works with these engines
 * over their unix sockets, so no file_sd is needed.
 */
export function prometheusConfig(hosts: readonly BedHost[]): string {
  const lines = [
    "# Written by the test bed (testbed/prometheus.ts); rewritten at each bed:up.",
    "global:",
    "  scrape_interval: 1s",
    "  scrape_timeout: 1s",
    "  evaluation_interval: 1s",
    "scrape_configs:",
  ];
  for (const h of hosts) {
    lines.push(
      `  - job_name: app-${h.name}`,
      "    metrics_path: /metrics",
      "    docker_sd_configs:",
      `      - host: unix://${h.socket}`,
      "        refresh_interval: 2s",
      "        filters:",
      "          - name: label",
      '            values: ["berth.managed=true", "berth.container=main"]',
      "    relabel_configs:",
      "      - source_labels: [__meta_docker_container_label_berth_managed]",
      '        regex: "true"',
      "        action: keep",
      "      - source_labels: [__meta_docker_container_label_berth_container]",
      "        regex: main",
      "        action: keep",
      "      - source_labels: [__meta_docker_port_private]",
      '        regex: "8080"',
      "        action: keep",
      // A port the engine does not publish has no public address to scrape.
      "      - source_labels: [__meta_docker_port_public]",
      "        regex: .+",
      "        action: keep",
      "      - source_labels: [__meta_docker_port_public_ip, __meta_docker_port_public]",
      '        separator: ":"',
      "        target_label: __address__",
      "      - source_labels: [__meta_docker_container_label_berth_service]",
      "        target_label: service",
      "      - source_labels: [__meta_docker_container_label_berth_owner]",
      "        target_label: owner",
      "      - source_labels: [__meta_docker_container_label_berth_slot]",
      "        target_label: slot",
      "      - target_label: host",
      `        replacement: ${h.name}`,
    );
  }
  return lines.join("\n") + "\n";
}

/** Whether the Prometheus at `url` answers `/-/ready` with 200. */
export async function pingPrometheus(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
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

/** The pid listening on `port` (TCP), from `ss`, when there is one. */
async function listenerOf(port: number): Promise<number | undefined> {
  try {
    const { stdout } = await run("ss", ["-Hltnp", `sport = :${port}`]);
    const m = /pid=(\d+)/.exec(stdout);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Debian's package starts its own service on install where an init system
 * lets it (systemd, or sysvinit without a policy-rc.d that denies it): a
 * Prometheus of the package's own on *:9090 would take the bed's port. Such
 * a process is the package's, not the bed's or a user's: stop the service.
 * Returns what it did, for the log; anything else on the port is left alone
 * and the start fails saying who holds it.
 */
async function stopPackageService(port: number, ours: number | undefined): Promise<string | undefined> {
  const pid = await listenerOf(port);
  if (pid === undefined || pid === ours) return undefined;
  let exe = "";
  try {
    exe = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
  } catch {
    return undefined;
  }
  if (exe !== PROMETHEUS_BINARY && exe !== "prometheus") return undefined;
  if (existsSync("/run/systemd/system")) await run("systemctl", ["disable", "--now", "prometheus.service"]).catch(() => undefined);
  else if (existsSync("/etc/init.d/prometheus")) await run("/etc/init.d/prometheus", ["stop"]).catch(() => undefined);
  if (isAlive(pid)) process.kill(pid, "SIGTERM");
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
  return `stopped the prometheus package's own service (pid ${pid}), which held port ${port}`;
}

/**
 * Starts Prometheus unless the pid file names one that is ready; idempotent.
 * One that runs with an older configuration is told to read the new one
 * (SIGHUP). A pid file whose process is gone or not ready is cleared first.
 */
export async function startPrometheus(opts: PrometheusOptions, log: (line: string) => void = () => undefined): Promise<RunningPrometheus> {
  const url = `http://${opts.listen}`;
  const config = prometheusConfig(opts.hosts);
  mkdirSync(path.dirname(opts.configFile), { recursive: true });
  const previous = existsSync(opts.configFile) ? readFileSync(opts.configFile, "utf8") : "";
  writeFileSync(opts.configFile, config);
  const running = readPid(opts.pidFile);
  if (running !== undefined && isAlive(running) && (await pingPrometheus(url))) {
    if (previous === config) return { url, pid: running, state: "running" };
    process.kill(running, "SIGHUP");
    return { url, pid: running, state: "reloaded" };
  }
  await stopByPidFile(opts.pidFile);
  if (!existsSync(PROMETHEUS_BINARY)) {
    throw new PrometheusStartError({ url, logFile: opts.logFile, cause: `${PROMETHEUS_BINARY} is missing (install the Debian package prometheus)`, logTail: "" });
  }
  const port = Number(opts.listen.split(":").pop());
  const stopped = await stopPackageService(port, undefined);
  if (stopped) log(stopped);
  mkdirSync(opts.dataDir, { recursive: true });
  mkdirSync(path.dirname(opts.logFile), { recursive: true });
  mkdirSync(path.dirname(opts.pidFile), { recursive: true });
  const pid = startDetached({
    command: PROMETHEUS_BINARY,
    args: [
      `--config.file=${opts.configFile}`,
      `--web.listen-address=${opts.listen}`,
      `--storage.tsdb.path=${opts.dataDir}`,
      // The bed's tests look back minutes, not weeks.
      "--storage.tsdb.retention.time=1d",
      "--log.level=warn",
    ],
    logFile: opts.logFile,
    pidFile: opts.pidFile,
  });
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const cause = await waitForStart({
    pid,
    pidFile: opts.pidFile,
    probe: () => pingPrometheus(url),
    timeoutMs,
    notReady: `${url}/-/ready did not answer 200 within ${timeoutMs} ms`,
    exited: async () => {
      const holder = await listenerOf(port);
      return holder !== undefined ? ` (port ${port} is held by pid ${holder})` : "";
    },
  });
  if (cause !== undefined) throw new PrometheusStartError({ url, logFile: opts.logFile, cause, logTail: logTail(opts.logFile) });
  return { url, pid, state: "started" };
}

/** Stops the bed's Prometheus and returns once its process is gone. Returns whether one was running. */
export function stopPrometheus(pidFile: string): Promise<boolean> {
  return stopByPidFile(pidFile, 10_000);
}
