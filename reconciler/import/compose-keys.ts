/**
 * Every key of the Compose specification (top level, service, and
 * `deploy`), with how far berth honours it and one line saying how. This
 * one table is what the importer warns from (a key marked "not supported"
 * is dropped with its note as the reason) and what docs/compose.md's
 * support matrix is checked against (test/unit/import/matrix.test.ts), so
 * the two cannot drift. Keys come from compose-spec/compose-spec
 * schema/compose-spec.json.
 */
import { closestName } from "../load/suggest.ts";

export type Support = "supported" | "partial" | "not supported";

export interface ComposeKey {
  readonly key: string;
  readonly support: Support;
  /** One line: what berth makes of it, or why it is dropped. Shown in warnings and in the matrix. */
  readonly note: string;
}

const k = (key: string, support: Support, note: string): ComposeKey => ({ key, support, note });

export const TOP_LEVEL_KEYS: readonly ComposeKey[] = [
  k("version", "supported", "ignored, as the specification says"),
  k("name", "supported", "the project name: named volumes become `<name>_<volume>`, the engine volumes Compose made"),
  k("include", "not supported", "pass the included files with more `-f` options instead"),
  k("services", "supported", "each service becomes one berth Service file"),
  k("networks", "not supported", "berth runs every pod on the engine's bridge; services reach each other through `expose` (host.berth.internal:PORT), not by name on a network"),
  k("volumes", "partial", "names and `external` are honoured; `driver`, `driver_opts` and `labels` are dropped (berth creates local engine volumes)"),
  k("secrets", "partial", "`file:` and `environment:` secrets become secretEnv references; `external` and driver secrets are dropped"),
  k("configs", "not supported", "berth has no config objects; bake the file into the image, or bind-mount it with a volume the Policy allows"),
  k("models", "not supported", "berth runs containers, not language models"),
];

export const SERVICE_KEYS: readonly ComposeKey[] = [
  k("annotations", "not supported", "berth sets no OCI annotations; use `labels`"),
  k("attach", "not supported", "berth does not attach to logs; read them with `docker logs` on the host"),
  k("blkio_config", "not supported", "berth sets no block IO limits"),
  k("build", "not supported", "refused: berth deploys images, so build and push the image in CI first and set `image:` to it"),
  k("cap_add", "not supported", "berth adds no capabilities; `privileged` is the only escalation, and a Policy must allow it"),
  k("cap_drop", "not supported", "berth drops no capabilities beyond the engine's defaults"),
  k("cgroup", "not supported", "berth uses the engine's default cgroup namespace"),
  k("cgroup_parent", "not supported", "berth uses the engine's default cgroup parent"),
  k("command", "supported", "becomes `args` (the image's CMD); a string is split into words as Compose splits it"),
  k("configs", "not supported", "berth has no config objects; bake the file into the image, or bind-mount it with a volume the Policy allows"),
  k("container_name", "not supported", "berth names containers `<service>-<slot>-<pod>` so replicas and rollouts never collide"),
  k("cpu_count", "not supported", "use `cpus` or `deploy.resources.limits.cpus`"),
  k("cpu_percent", "not supported", "use `cpus` or `deploy.resources.limits.cpus`"),
  k("cpu_period", "not supported", "berth limits CPU with `resources.cpu` (decimal cores)"),
  k("cpu_quota", "not supported", "berth limits CPU with `resources.cpu` (decimal cores)"),
  k("cpu_rt_period", "not supported", "berth sets no real-time scheduling"),
  k("cpu_rt_runtime", "not supported", "berth sets no real-time scheduling"),
  k("cpu_shares", "not supported", "berth limits CPU with `resources.cpu` (decimal cores), not relative shares"),
  k("cpus", "supported", "becomes `resources.cpu`"),
  k("cpuset", "not supported", "berth does not pin CPUs"),
  k("credential_spec", "not supported", "Windows only; berth runs Linux containers"),
  k("depends_on", "not supported", "berth starts every service on its own, in any order: an app must retry until its dependencies answer; conditions are not waited for"),
  k("deploy", "partial", "replicas, mode, resources, update_config, placement and labels are mapped; see the deploy table"),
  k("develop", "not supported", "watch mode is for local development"),
  k("device_cgroup_rules", "not supported", "berth gives containers no device access"),
  k("devices", "not supported", "berth maps no devices into containers"),
  k("dns", "not supported", "containers use the engine's DNS settings"),
  k("dns_opt", "not supported", "containers use the engine's DNS settings"),
  k("dns_search", "not supported", "containers use the engine's DNS settings"),
  k("domainname", "not supported", "containers keep the engine's default domain name"),
  k("entrypoint", "supported", "becomes `command` (the image's ENTRYPOINT); a string is split into words"),
  k("env_file", "supported", "read at import time into `env` (before `environment`, which wins); secret-looking values become secretEnv"),
  k("environment", "supported", "becomes `env`; a variable without a value takes it from the environment at import time; secret-looking names become secretEnv references, and a secret-looking variable interpolated into any other value is refused"),
  k("expose", "partial", "declared as `ports`; berth publishes each on an engine-assigned host port, where Compose keeps it internal"),
  k("extends", "supported", "resolved at import time, within the file or from `file:`"),
  k("external_links", "not supported", "berth has no links; reach other services at their exposed address"),
  k("extra_hosts", "not supported", "berth writes only host.berth.internal into /etc/hosts"),
  k("gpus", "not supported", "berth gives containers no GPUs"),
  k("group_add", "not supported", "berth adds no supplementary groups; set them in the image"),
  k("healthcheck", "supported", "becomes `health`: CMD and CMD-SHELL tests run as exec probes; timings carried over; `start_interval` and `disable` are dropped"),
  k("hostname", "not supported", "containers keep the engine's generated host name"),
  k("image", "supported", "becomes `image`"),
  k("init", "not supported", "berth runs no init process; use an image with one (tini, dumb-init)"),
  k("ipc", "not supported", "containers use the engine's default IPC namespace"),
  k("isolation", "not supported", "Windows only; berth runs Linux containers"),
  k("label_file", "not supported", "write the labels under `labels`"),
  k("labels", "supported", "becomes `labels` on every container of the pod; keys starting with `berth.` are berth's own and dropped"),
  k("links", "not supported", "berth has no links; reach other services at their exposed address"),
  k("logging", "not supported", "containers use the engine's log driver"),
  k("mac_address", "not supported", "the engine assigns MAC addresses"),
  k("mem_limit", "supported", "becomes `resources.memory`"),
  k("mem_reservation", "partial", "becomes `resources.memory` when no limit is given: berth reserves and limits one amount"),
  k("mem_swappiness", "not supported", "berth leaves swap to the engine's defaults"),
  k("memswap_limit", "not supported", "berth leaves swap to the engine's defaults"),
  k("models", "not supported", "berth runs containers, not language models"),
  k("network_mode", "partial", "`host` becomes `hostNetwork: true` (a Policy must allow it); `bridge` is berth's default; `none`, `service:` and `container:` are dropped"),
  k("networks", "not supported", "berth runs every pod on the engine's bridge; services reach each other through `expose` (host.berth.internal:PORT), not by name on a network"),
  k("oom_kill_disable", "not supported", "berth leaves the OOM killer on"),
  k("oom_score_adj", "not supported", "berth leaves OOM scores to the engine"),
  k("pid", "not supported", "containers use their own PID namespace"),
  k("pids_limit", "not supported", "berth sets no PID limit"),
  k("platform", "not supported", "the engine pulls the image for its own platform"),
  k("ports", "supported", "each becomes a named port; a published TCP port becomes `expose` (every host answers on it through berth's proxy), except one bound to loopback (kept private: declared, not exposed); UDP and `mode: host` become fixed host ports"),
  k("post_start", "not supported", "berth runs no lifecycle hooks; do it in the entrypoint"),
  k("pre_stop", "not supported", "berth runs no lifecycle hooks; handle SIGTERM in the app"),
  k("privileged", "partial", "becomes `privileged: true`, which berth refuses unless the Policy and the operator allow it"),
  k("profiles", "supported", "a service with profiles is imported only when `--profile` selects one of them"),
  k("provider", "not supported", "berth manages containers only"),
  k("pull_policy", "not supported", "berth pulls an image a host does not have, and never builds"),
  k("pull_refresh_after", "not supported", "berth pulls an image a host does not have; pin tags or digests to roll out new images"),
  k("read_only", "not supported", "berth mounts the root filesystem read-write"),
  k("restart", "partial", "berth keeps every Service running and restarts what exits (`always`, `unless-stopped`); `no` and `on-failure` cannot be honoured: use a berth Job for one-shot tasks"),
  k("runtime", "not supported", "containers use the engine's default runtime"),
  k("scale", "supported", "becomes `replicas`"),
  k("secrets", "partial", "file and environment secrets become secretEnv references (environment variables, not files under /run/secrets); values are never written"),
  k("security_opt", "not supported", "containers use the engine's default security options"),
  k("shm_size", "not supported", "containers get the engine's default /dev/shm"),
  k("stdin_open", "not supported", "berth runs containers detached, with no stdin"),
  k("stop_grace_period", "supported", "becomes `stopGracePeriod`"),
  k("stop_signal", "not supported", "berth stops containers with the image's STOPSIGNAL (default SIGTERM); set STOPSIGNAL in the Dockerfile"),
  k("storage_opt", "not supported", "containers use the engine's storage defaults"),
  k("sysctls", "not supported", "berth sets no kernel parameters"),
  k("tmpfs", "partial", "becomes a volume private to each replica: on disk, not in memory"),
  k("tty", "not supported", "berth runs containers without a terminal"),
  k("ulimits", "not supported", "containers use the engine's default ulimits"),
  k("use_api_socket", "not supported", "berth gives no container the engine's API socket"),
  k("user", "not supported", "berth has no user field: the image's USER applies; set it in the Dockerfile"),
  k("userns_mode", "not supported", "containers use the engine's user namespace setting"),
  k("uts", "not supported", "containers use their own UTS namespace"),
  k("volumes", "partial", "named volumes become engine volumes, bind mounts `hostPath` (a Policy must allow it, on every host), anonymous ones private volumes; `tmpfs`, `npipe`, `cluster` and `image` mounts are dropped or become private volumes"),
  k("volumes_from", "not supported", "berth shares volumes inside a pod only: make the other container a sidecar Template"),
  k("working_dir", "not supported", "berth has no working-directory field: the image's WORKDIR applies; set it in the Dockerfile"),
];

export const DEPLOY_KEYS: readonly ComposeKey[] = [
  k("endpoint_mode", "not supported", "berth's proxy balances over the replicas; there is no DNS round robin"),
  k("labels", "supported", "becomes the Service's `metadata.labels`"),
  k("mode", "partial", "`replicated` and `global` (placement.mode global) are honoured; `replicated-job` and `global-job` are not (write a berth Job)"),
  k("placement", "partial", "`node.labels.X ==`/`!=` constraints and the first `spread` preference are mapped; other node fields and max_replicas_per_node above 1 are dropped"),
  k("replicas", "supported", "becomes `replicas`"),
  k("resources", "partial", "limits (else reservations) of cpus and memory become `resources`; berth reserves and limits one amount; pids, devices and generic resources are dropped"),
  k("restart_policy", "partial", "berth restarts every pod that exits, with its own back-off: `condition: any` is what it does; other conditions, delay, attempts and window are dropped"),
  k("rollback_config", "not supported", "berth rolls back to the last good spec with the service's own rollout policy"),
  k("update_config", "partial", "parallelism (maxSurge, or maxUnavailable with stop-first), order, monitor, delay (minReady) and failure_action (rollback, pause) become `rollout`; max_failure_ratio is dropped"),
];

/** The warning for a key the specification does not have, naming the nearest one it does. */
export function unknownKey(key: string, table: readonly ComposeKey[]): string {
  const last = key.split(".").pop() ?? key;
  const near = closestName(last, table.map((e) => e.key));
  return `${key} is not a key of the Compose specification: dropped${near === undefined ? "" : ` (did you mean ${near}?)`}`;
}

/** The table's entry for `key`, when the specification has it. */
export function keyInfo(table: readonly ComposeKey[], key: string): ComposeKey | undefined {
  return table.find((e) => e.key === key);
}
