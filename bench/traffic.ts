/**
 * Traffic benchmark (DESIGN §6 "zero failed requests"): `web`, 3 replicas on
 * the bed's 3 engines, exposed on one port, loaded by a client with no
 * retries (a new connection per request, `agent: false`, several loops as
 * fast as answers come back) for a fixed time in each of three runs:
 *   direct    one replica's own published port: no proxy, no rollout (the floor)
 *   proxy     h1's exposed address, nothing changing
 *   rollout   h1's exposed address through one v1 → v2 rollout (`berth apply`
 *             as its own process, started 1 s in)
 * Prints requests/s, p50/p99/max latency of the answers and the failed count
 * of each, next to the target: no request fails through the rollout.
 *
 *   npx tsx bench/traffic.ts [seconds=12] [loops=4]
 *
 * The integration test test/integration/traffic/exposed.test.ts asserts the
 * same 0 on a shorter run.
 */
import { bedUp } from "../testbed/bed.ts";
import { appImage, exposedWebYaml, NoRetryClient, replicas, tcpHostsYaml, TrafficRepo, type ClientResult } from "../test/integration/traffic/traffic-fleet.ts";

const seconds = Number(process.argv[2] ?? 12);
const loops = Number(process.argv[3] ?? 4);
/** Not the examples' 18080: a manual run on the bed may hold it. */
const PORT = 18290;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const { layout: bed } = await bedUp();
const repo = new TrafficRepo(bed, "traffic", "bench");

interface Row {
  readonly name: string;
  readonly what: string;
  readonly res: ClientResult;
  readonly note?: string;
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function load(url: string, during?: (client: NoRetryClient) => Promise<string>): Promise<{ res: ClientResult; note?: string }> {
  const client = new NoRetryClient([url], loops);
  let note: string | undefined;
  let res: ClientResult;
  try {
    const work = during ? sleep(1000).then(() => during(client)) : Promise.resolve(undefined);
    const [n] = await Promise.all([work, sleep(seconds * 1000)]);
    note = n;
  } finally {
    res = await client.stop();
  }
  return { res, ...(note ? { note } : {}) };
}

const rows: Row[] = [];
try {
  repo.commit({ "hosts.yaml": tcpHostsYaml(bed.hosts), "services/web.yaml": exposedWebYaml(appImage("v1"), PORT) }, "web v1");
  await repo.apply();
  const h1 = bed.hosts[0]!;
  const own = (await replicas(bed, repo.owner, "web")).find((r) => r.host.name === h1.name && r.state === "running" && r.port !== undefined);
  if (!own) throw new Error(`no running replica of web on ${h1.name} with a published port`);
  const exposed = `http://${h1.ip}:${PORT}/`;
  const direct = `http://${h1.ip}:${own.port}/`;

  rows.push({ name: "direct", what: direct, ...(await load(direct)) });
  rows.push({ name: "proxy", what: exposed, ...(await load(exposed)) });
  rows.push({
    name: "rollout",
    what: `${exposed}, v1 → v2`,
    ...(await load(exposed, async (client) => {
      repo.commit({ "services/web.yaml": exposedWebYaml(appImage("v2"), PORT) }, "web v2");
      const started = client.now();
      const r = await repo.apply();
      const ended = client.now();
      return `apply ${(r.ms / 1000).toFixed(1)} s, from ${(started / 1000).toFixed(1)} s to ${(ended / 1000).toFixed(1)} s of the run${ended > seconds * 1000 ? " (longer than the run: raise seconds)" : ""}`;
    })),
  });
} finally {
  await repo.cleanup();
}

const cols = ["", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "failed", "target", "versions"];
const table = rows.map((r) => {
  const ms = r.res.answers.map((a) => a.ms).sort((a, b) => a - b);
  const total = r.res.ok + r.res.failed;
  const target = r.name === "rollout" ? `failed: 0 ${r.res.failed === 0 ? "(met)" : "(MISSED)"}` : "-";
  return [r.name, String(total), (total / (r.res.elapsedMs / 1000)).toFixed(0), percentile(ms, 0.5).toFixed(1), percentile(ms, 0.99).toFixed(1), (ms.at(-1) ?? NaN).toFixed(1), String(r.res.failed), target, JSON.stringify(r.res.versions)];
});
const widths = cols.map((c, i) => Math.max(c.length, ...table.map((t) => t[i]!.length)));
const line = (cells: readonly string[]) => "  " + cells.map((c, i) => (i === 0 || i >= 7 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
console.log(`traffic: web, 3 replicas on 3 engines; a client with no retries (agent: false), ${loops} loops, ${seconds} s per run`);
for (const r of rows) console.log(`  ${r.name}: ${r.what}${r.note ? `; ${r.note}` : ""}`);
console.log(line(cols));
for (const t of table) console.log(line(t));
const failed = rows.flatMap((r) => r.res.failures.map((f) => `${r.name}: ${f.what}`));
if (failed.length > 0) console.log(`  failures: ${JSON.stringify(failed.reduce<Record<string, number>>((m, f) => ((m[f] = (m[f] ?? 0) + 1), m), {}))}`);
