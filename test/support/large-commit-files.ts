/**
 * A large, valid commit for the large-commit test and benchmark (issue 11):
 * `files` fleet files of just under 1 MiB each (the one-file limit), each a
 * team's run of ordinary Service documents, about 630 a file. Each service
 * has what a big fleet's repository holds: a runbook comment on top (who
 * owns it, where it pages, what to check; about 40% of the bytes), an
 * image, a dozen environment variables, two ports, a health check,
 * placement and rollout settings. Services are scaled to `replicas` (0 on
 * the bed, so that loading 12,600 services does not also start as many pods).
 */
import { MAX_FILE_BYTES } from "../../reconciler/load/limits.ts";

export interface LargeCommitOptions {
  readonly files: number;
  readonly replicas: number;
  /** Bytes per file; default just under the per-file limit. */
  readonly fileBytes?: number;
}

function serviceDoc(team: number, s: number, replicas: number): string {
  const name = `t${team}-svc-${s}`;
  return `# ${name} — owned by team ${team} (team-${team}@example.invalid), on call: rota team-${team}-primary.
# Runbook: https://runbooks.example.invalid/team-${team}/${name}
#  1. Paged for errors: check the dashboard for the upstream t${team}-svc-${(s + 1) % 1000} first;
#     most pages are its timeouts, not ours.
#  2. Latency: the cache TTL below trades freshness for load; halving it doubles
#     the upstream's traffic, so ask its owners before changing it.
#  3. Never scale to 0 during business hours without telling #team-${team}:
#     the frontend has no fallback for this service.
#  4. Feature flags are read at start only; a change here rolls the service.
apiVersion: berth/v1
kind: Service
metadata:
  name: ${name}
  labels:
    team: team-${team}
    tier: ${s % 3 === 0 ? "backend" : "frontend"}
spec:
  image: 127.0.0.1:5000/berth/app:v${1 + (s % 2)}
  replicas: ${replicas}
  command: ["/app/server"]
  args: ["--port", "8080", "--name", "${name}"]
  env:
    LOG_LEVEL: info
    LOG_FORMAT: json
    SHARD: "${s % 16}"
    REGION: eu-west-${1 + (s % 3)}
    FEATURE_CHECKOUT_V2: "${s % 2 === 0}"
    FEATURE_SEARCH_RANKING: "${s % 5 === 0}"
    CACHE_TTL_SECONDS: "${60 + (s % 240)}"
    UPSTREAM_URL: http://t${team}-svc-${(s + 1) % 1000}.internal:8080
    METRICS_PREFIX: berth_${team}_${s}
    MAX_CONNECTIONS: "${100 + (s % 900)}"
    TRACE_SAMPLE_RATE: "0.0${1 + (s % 9)}"
    OWNER_EMAIL: team-${team}@example.invalid
  ports:
    - name: http
      containerPort: 8080
    - name: admin
      containerPort: 8081
  resources:
    cpu: 0.05
    memory: 32Mi
  health:
    http: { path: /healthz, port: http }
    interval: 5s
    timeout: 2s
    retries: 3
  placement:
    constraints:
      - { label: zone, op: exists }
    strategy: ${s % 2 === 0 ? "spread" : "binpack"}
  rollout:
    maxSurge: 1
    maxUnavailable: 0
    progressDeadline: 5m
  stopGracePeriod: 10s
`;
}

/** The files, `services/team-NN.yaml`, each filled with Service documents up to `fileBytes`. */
export function largeCommitFiles(options: LargeCommitOptions): Record<string, string> {
  const limit = options.fileBytes ?? MAX_FILE_BYTES - 4096;
  const files: Record<string, string> = {};
  for (let team = 0; team < options.files; team++) {
    const docs: string[] = [];
    let bytes = 0;
    for (let s = 0; ; s++) {
      const doc = (s === 0 ? "" : "---\n") + serviceDoc(team, s, options.replicas);
      if (bytes + doc.length > limit) break;
      docs.push(doc);
      bytes += doc.length;
    }
    files[`services/team-${String(team).padStart(2, "0")}.yaml`] = docs.join("");
  }
  return files;
}
