/**
 * Benchmark: loading, validating and expanding a large repository —
 * 2,000 services and 200 templates spread over 500 files (target: ≤ 1 s).
 *
 *   npx tsx bench/load.ts [--services 2000] [--templates 200] [--files 500] [--runs 5]
 *
 * Prints the cold run (first load in the process, schema compilation
 * included), the warm runs, the same from a folder on disk, and peak RSS.
 */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { loadFleet, loadFleetParallel } from "../reconciler/load/load-fleet.ts";
import { YamlParsePool } from "../reconciler/load/parse-pool.ts";
import { readRepoDir } from "../reconciler/load/read-dir.ts";
import type { RepoSnapshot, SourceFile } from "../reconciler/load/source.ts";

const { values } = parseArgs({
  options: {
    services: { type: "string", default: "2000" },
    templates: { type: "string", default: "200" },
    files: { type: "string", default: "500" },
    runs: { type: "string", default: "5" },
  },
});
const SERVICES = Number(values.services);
const TEMPLATES = Number(values.templates);
const FILES = Number(values.files);
const RUNS = Number(values.runs);

const PATTERNS = ["sidecar", "ambassador", "adapter"] as const;

function hostDocs(): string {
  return [1, 2, 3, 4, 5, 6]
    .map((i) => `apiVersion: berth/v1
kind: Host
metadata:
  name: h${i}
spec:
  endpoint: tcp://10.0.0.${i}:2376
  tls: { ca: /etc/berth/ca.pem, cert: /etc/berth/cert.pem, key: /etc/berth/key.pem }
  labels:
    zone: ${i % 2 === 0 ? "a" : "b"}
    role: ${i <= 3 ? "web" : "worker"}
  capacity: { cpu: 16, memory: 64Gi }
`)
    .join("---\n");
}

function templateDoc(t: number): string {
  return `# yaml-language-server: $schema=../schemas/template.schema.json
apiVersion: berth/v1
kind: Template
metadata:
  name: tpl-${t}
spec:
  pattern: ${PATTERNS[t % 3]}
  description: Generated template number ${t}.
  params:
    path:
      type: string
      default: /var/log/app
      description: Folder to follow.
    port:
      type: integer
      default: ${9000 + (t % 500)}
    verbose:
      type: boolean
      default: false
  containers:
    - name: helper-${t}
      image: registry.example.com/helpers/tool:${t % 7}
      command: ["sh", "-c", "exec tool --path \${{ params.path }} --target localhost:\${{ service.ports.http }} --verbose=\${{ params.verbose }}"]
      env:
        SERVICE: "\${{ service.name }}"
        LISTEN: "\${{ params.port }}"
      ports:
        - name: helper-${t}
          containerPort: "\${{ params.port }}"
      shareVolumes: true
      resources: { cpu: 0.05, memory: 32Mi }
`;
}

function serviceDoc(s: number): string {
  const t1 = s % TEMPLATES;
  const t2 = (s * 7 + 3) % TEMPLATES;
  const second = t2 === t1 ? "" : `
    - template: tpl-${t2}
      with:
        port: ${10000 + (s % 1000)}`;
  return `apiVersion: berth/v1
kind: Service
metadata:
  name: svc-${s}
  labels:
    team: team-${s % 20}
spec:
  image: registry.example.com/apps/svc-${s}:v${1 + (s % 5)}
  replicas: ${1 + (s % 4)}
  command: ["/app/server"]
  args: ["--port", "8080", "--name", "svc-${s}"]
  env:
    LOG_LEVEL: info
    SHARD: "${s % 16}"
    FEATURE_X: true
  secretEnv:
    - name: DB_PASSWORD
      fromFile: /run/secrets/svc-${s}-db
    - name: API_TOKEN
      fromEnv: SVC_${s}_TOKEN
  ports:
    - name: http
      containerPort: 8080
    - name: admin
      containerPort: 8081
  volumes:
    - name: logs
      mountPath: /var/log/app
    - name: cache
      mountPath: /cache
      volume: svc-${s}-cache
  resources:
    cpu: 0.25
    memory: 256Mi
  health:
    http: { path: /healthz, port: http }
    interval: 5s
    timeout: 2s
    retries: 3
    startPeriod: 10s
  placement:
    constraints:
      - { label: role, op: "==", value: ${s % 3 === 0 ? "worker" : "web"} }
      - { label: zone, op: in, values: [a, b] }
    spread: zone
    strategy: ${s % 2 === 0 ? "spread" : "binpack"}
  rollout:
    maxSurge: 1
    maxUnavailable: 0
    order: start-first
    minReady: 5s
    progressDeadline: 5m
    onFailure: rollback
  stopGracePeriod: 30s
  labels:
    app: svc-${s}
  uses:
    - template: tpl-${t1}
      with:
        path: /var/log/app
        verbose: ${s % 2 === 0}${second}
`;
}

/** Spreads templates over the first files and services over the rest, several documents per file. */
function generate(): RepoSnapshot {
  const templateFiles = Math.max(1, Math.round((FILES * TEMPLATES) / (TEMPLATES + SERVICES)));
  const serviceFiles = FILES - templateFiles;
  const buckets: string[][] = Array.from({ length: FILES }, () => []);
  buckets[0]?.push(hostDocs());
  for (let t = 0; t < TEMPLATES; t++) buckets[t % templateFiles]?.push(templateDoc(t));
  for (let s = 0; s < SERVICES; s++) buckets[templateFiles + (s % serviceFiles)]?.push(serviceDoc(s));
  const files: SourceFile[] = buckets.map((docs, i) => ({
    path: `${i < templateFiles ? "templates" : "services"}/file-${String(i).padStart(3, "0")}.yaml`,
    content: docs.join("---\n"),
  }));
  return { files };
}

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 5);

async function timeLoad(snapshot: RepoSnapshot, pool?: YamlParsePool): Promise<{ ms: number; pods: number }> {
  const start = performance.now();
  const result = pool === undefined ? loadFleet(snapshot) : await loadFleetParallel(snapshot, pool);
  const ms = performance.now() - start;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  if (!result.ok) {
    console.error(result.diagnostics.slice(0, 5));
    throw new Error(`generated repository does not validate (${result.diagnostics.length} diagnostics)`);
  }
  return { ms, pods: result.fleet.services.length + result.fleet.jobs.length };
}

const snapshot = generate();
const bytes = snapshot.files.reduce((n, f) => n + Buffer.byteLength(f.content), 0);
console.log(`repository: ${SERVICES} services, ${TEMPLATES} templates, ${snapshot.files.length} files, ${(bytes / 2 ** 20).toFixed(2)} MiB of YAML`);

function summary(runs: number[]): { median: number; text: string } {
  const sorted = [...runs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return {
    median,
    text: `median ${median.toFixed(0)} ms, best ${(sorted[0] ?? 0).toFixed(0)} ms, worst ${(sorted.at(-1) ?? 0).toFixed(0)} ms; ${((SERVICES / median) * 1000).toFixed(0)} services/s, ${((bytes / 2 ** 20 / median) * 1000).toFixed(1)} MiB/s`,
  };
}

const cold = await timeLoad(snapshot);
console.log(`one thread, cold (schema compilation included): ${cold.ms.toFixed(0)} ms, ${cold.pods} pods`);
const warm: number[] = [];
for (let i = 0; i < RUNS; i++) warm.push((await timeLoad(snapshot)).ms);
console.log(`one thread, warm, ${RUNS} runs: ${summary(warm).text}`);

const poolStart = performance.now();
const pool = new YamlParsePool();
const parallelCold = await timeLoad(snapshot, pool);
console.log(`parallel parse (${availableParallelism()} cores), cold (worker start included): ${(performance.now() - poolStart).toFixed(0)} ms`);
const parallel: number[] = [];
for (let i = 0; i < RUNS; i++) parallel.push((await timeLoad(snapshot, pool)).ms);
const parallelSummary = summary(parallel);
console.log(`parallel parse, warm, ${RUNS} runs: ${parallelSummary.text}`);
void parallelCold;
const median = parallelSummary.median;

const dir = await mkdtemp(join(tmpdir(), "berth-bench-load-"));
try {
  for (const f of snapshot.files) {
    await mkdir(join(dir, f.path, ".."), { recursive: true });
    await writeFile(join(dir, f.path), f.content);
  }
  const start = performance.now();
  const fromDisk = await readRepoDir(dir);
  const readMs = performance.now() - start;
  const loaded = await timeLoad(fromDisk, pool);
  console.log(`from disk, parallel: read ${readMs.toFixed(0)} ms + load ${loaded.ms.toFixed(0)} ms = ${(readMs + loaded.ms).toFixed(0)} ms`);
} finally {
  await pool.close();
  await rm(dir, { recursive: true, force: true });
}
clearInterval(sampler);
console.log(`peak RSS: ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
console.log(`target: ≤ 1000 ms to load, validate and expand (parallel parse, warm) — ${median <= 1000 ? "met" : "NOT met"}: ${median.toFixed(0)} ms`);
