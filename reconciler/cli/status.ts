/**
 * `berth status`: from the daemon's `/status` when it answers, else by
 * observing the fleet of `--repo` (or DIR) directly.
 */
import type { DaemonStatus, ExposedStatus, ServiceStatus } from "../loop/status.ts";
import { servicesFromPlan } from "../loop/status.ts";
import { connectHosts } from "../pipeline/connect-hosts.ts";
import { planFleet } from "../pipeline/plan-fleet.ts";
import { loadDesired, seedFor } from "./desired-state.ts";
import { fail } from "./fail.ts";

/** The daemon's status; `refused`, saying why, when it answered 401. */
async function fromDaemon(listen: string): Promise<DaemonStatus | { refused: string } | undefined> {
  const token = process.env.BERTH_STATUS_TOKEN;
  try {
    const res = await fetch(`http://${listen}/status`, { signal: AbortSignal.timeout(2000), ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
    if (res.status === 401) {
      return {
        refused: token
          ? `the daemon on ${listen} refused the token in BERTH_STATUS_TOKEN (401): set it to the token berth run was started with.`
          : `the daemon on ${listen} needs a token for /status (401): set BERTH_STATUS_TOKEN to the token berth run was started with.`,
      };
    }
    return res.ok ? ((await res.json()) as DaemonStatus) : undefined;
  } catch {
    return undefined;
  }
}

const PROXY_WORDS: Record<ExposedStatus["addresses"][number]["proxy"], string> = {
  "in-sync": "",
  differs: "its proxy's routes differ until the next apply",
  unreadable: "its proxy's config is unreadable until the next apply",
  starting: "no proxy runs there yet",
};

/**
 * The exposed services: where every host answers, and each replica's state
 * behind the proxies.
 * @example
 * exposedLines(services)
 * // ["exposed:", "  web port 18080 → http: 10.0.0.1:18080 (h1), 10.0.0.2:18080 (h2)", "    h1[0] pod p-1: serving at 10.0.0.1:32768", …]
 */
export function exposedLines(services: readonly ServiceStatus[]): string[] {
  const lines: string[] = [];
  for (const s of services) {
    if (!s.expose?.length) continue;
    for (const e of s.expose) {
      const where = e.addresses.map((a) => {
        const notes = [PROXY_WORDS[a.proxy], a.portTaken ? "the port is held by a container berth does not manage" : ""].filter(Boolean);
        return `${a.address} (${a.host}${notes.length ? `: ${notes.join("; ")}` : ""})`;
      });
      lines.push(`  ${s.name} port ${e.port} → ${e.targetPort}: ${where.join(", ") || "no host runs a proxy"}`);
    }
    const backends = s.backends ?? [];
    if (backends.length === 0) lines.push("    no replica runs");
    for (const b of backends) lines.push(`    ${b.host}[${b.slot}] pod ${b.pod}: ${b.state === "not-ready" ? `not ready (${b.status})` : b.state}${b.addresses.length ? ` at ${b.addresses.join(", ")}` : ""}`);
  }
  return lines.length ? ["exposed:", ...lines] : [];
}

function printServices(services: readonly ServiceStatus[]): void {
  const rows = [["SERVICE", "READY", "HEALTH", "COMMIT", "HOSTS", "LAST RESULT"], ...services.map((s) => [s.name, `${s.ready}/${s.desired}`, s.health, s.commit?.slice(0, 12) ?? "-", s.hosts.join(",") || "-", s.lastResult ? `${s.lastResult}${s.reason ? `: ${s.reason}` : ""}` : "-"])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(`${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")}\n`);
  for (const s of services) {
    const a = s.autoscale;
    if (a) process.stdout.write(`${s.name}: replicas ${s.desired} (autoscaled; git: ${a.min}–${a.max}, ${a.reason ?? `replicas ${a.gitReplicas} until the first decision`})${a.latest && a.latest.reason !== a.reason ? `; now: ${a.latest.reason}` : ""}\n`);
  }
  for (const s of services) for (const b of s.backoff ?? []) process.stdout.write(`${s.name}[${b.slot}] keeps dying (${b.failures} times): next try in ${Math.ceil(b.retryInMs / 1000)} s\n`);
  const endpoints = services.flatMap((s) => s.endpoints.map((e) => `  ${s.name}[${e.slot}] on ${e.host}: ${e.ports.map((p) => `${p.hostIp && p.hostIp !== "0.0.0.0" ? p.hostIp : e.host}:${p.hostPort} → ${p.containerPort}/${p.protocol}`).join(", ")}`));
  if (endpoints.length) process.stdout.write(`\nendpoints:\n${endpoints.join("\n")}\n`);
  const exposed = exposedLines(services);
  if (exposed.length) process.stdout.write(`\n${exposed.join("\n")}\n`);
}

/**
 * Who leads, with `--lock`: this instance since when, or whom it follows.
 * @example leadershipLine(status) // "follower b (etcd://10.0.0.5:2379): a leads since 2026-12-02T10:00:00.000Z; this instance writes nothing"
 */
export function leadershipLine(s: Pick<DaemonStatus, "leadership">): string | undefined {
  const l = s.leadership;
  if (!l || l.lock === "local") return undefined;
  if (l.leader) return `leader ${l.instance} (${l.lock}) since ${l.since ?? "-"}`;
  return `follower ${l.instance} (${l.lock}): ${l.holder ? `${l.holder} leads${l.since ? ` since ${l.since}` : ""}` : (l.reason ?? "nobody leads")}; this instance writes nothing`;
}

export async function runStatus(dir: string | undefined, opts: Record<string, unknown>): Promise<number> {
  const daemon = dir === undefined && typeof opts["repo"] !== "string" ? await fromDaemon(String(opts["listen"])) : undefined;
  if (daemon && "refused" in daemon) return fail("status", { code: "status-token-refused", message: daemon.refused }, opts);
  if (daemon) {
    if (opts["json"]) {
      process.stdout.write(`${JSON.stringify(daemon, null, 2)}\n`);
      return 0;
    }
    process.stdout.write(`source ${daemon.source.identity}: applied ${daemon.source.commitApplied?.slice(0, 12) ?? "-"}${daemon.source.commitConverging ? `, converging ${daemon.source.commitConverging.slice(0, 12)} (waiting for a host or the registry)` : ""}, seen ${daemon.source.commitSeen?.slice(0, 12) ?? "-"}${daemon.source.error ? ` (${daemon.source.error})` : ""}\n`);
    const leadership = leadershipLine(daemon);
    if (leadership) process.stdout.write(`${leadership}\n`);
    if (daemon.lastPass) process.stdout.write(`last pass ${daemon.lastPass.at} (${daemon.lastPass.trigger}): ${daemon.lastPass.result} in ${daemon.lastPass.ms} ms\n`);
    process.stdout.write("\n");
    printServices(daemon.services);
    process.stdout.write(`\nhosts: ${daemon.hosts.map((h) => `${h.name} ${h.reachable ? h.state : `unreachable (${h.error})`}`).join(", ")}\n`);
    for (const h of daemon.held) process.stdout.write(`held commit ${h.commit.slice(0, 12)}: ${h.reason}\n`);
    for (const d of daemon.diagnostics) process.stdout.write(`${d}\n`);
    for (const j of daemon.jobs) process.stdout.write(`job ${j.name} (${j.schedule ?? "on demand"}): ${j.lastRun ? `${j.lastRun.result} at ${j.lastRun.at}${j.lastRun.exitCode !== undefined ? `, exit ${j.lastRun.exitCode}` : ""}${j.lastRun.reason ? ` (${j.lastRun.reason})` : ""}` : "not run yet"}\n`);
    return 0;
  }
  if (dir === undefined && typeof opts["repo"] !== "string") {
    return fail("status", { code: "no-daemon", message: `no daemon answers on ${String(opts["listen"])}; pass --repo (or a DIR) to observe the fleet directly.` }, opts);
  }
  const desired = await loadDesired(dir, opts, "status");
  if (!desired) return 1;
  const connected = connectHosts(desired.fleet.hosts, process.env, [], desired.operator.config);
  const { plan } = await planFleet({ ...desired, connected, now: Date.now(), seed: seedFor(desired.owner) });
  const services = servicesFromPlan(plan, new Map(), { addresses: new Map([...connected.hosts].map(([name, h]) => [name, h.address])) });
  if (opts["json"]) {
    process.stdout.write(`${JSON.stringify({ owner: desired.owner, commit: desired.commit, services, hosts: plan.hosts }, null, 2)}\n`);
    return 0;
  }
  printServices(services);
  process.stdout.write(`\nhosts: ${plan.hosts.map((h) => `${h.name} ${h.state}${h.error ? ` (${h.error})` : ""}`).join(", ")}\n`);
  return 0;
}
