/**
 * The proxy berth runs for exposed services: a global service of its own,
 * `berth-proxy`, one HAProxy pod on every host in git that is not drained.
 * It is planned, placed, rolled out and healed like any other service, so
 * the plan shows it; what it routes is pushed into it by traffic/router.ts.
 *
 * Its pod is the operator's, not the repository's: it runs in the host's
 * network namespace (it answers on the host's address), which no Policy
 * grants a committer, and its image comes from the operator config.
 */
import type { Fleet, ServiceSpec } from "../model/fleet.ts";
import type { PodSpec } from "../model/pod.ts";
import type { TrafficSettings } from "../model/operator-config.ts";
import { DEFAULT_ROLLOUT } from "../model/defaults.ts";
import { podSpecHash } from "../templates/spec-hash.ts";
import { BOOT_CONFIG, CONFIG_FILE } from "./haproxy-config.ts";

export const PROXY_SERVICE = "berth-proxy";

/**
 * The proxy container writes the bootstrap config (no route yet) and runs
 * HAProxy in master-worker mode as PID 1: SIGUSR2 to it reloads the config
 * file without closing its listening sockets.
 */
const BOOT_SCRIPT = `mkdir -p "\${CONFIG%/*}" && printf '%s\\n' "$BERTH_HAPROXY_BOOT" > "$CONFIG" && exec haproxy -W -db -f "$CONFIG"`;

export function proxyPod(settings: TrafficSettings): PodSpec {
  const pod: Omit<PodSpec, "specHash"> = {
    name: PROXY_SERVICE,
    kind: "service",
    containers: [
      {
        name: "main",
        image: settings.proxyImage,
        command: ["/bin/sh", "-c", BOOT_SCRIPT],
        env: { BERTH_HAPROXY_BOOT: BOOT_CONFIG, CONFIG: CONFIG_FILE },
        secretEnv: [],
        volumeMounts: [],
        resources: { cpu: 0.1, memoryBytes: 128 * 2 ** 20 },
        privileged: false,
      },
    ],
    network: "host",
    ports: [],
    volumes: [],
    health: { kind: "image" },
    resources: { cpu: 0.1, memoryBytes: 128 * 2 ** 20 },
    labels: {},
    stopGracePeriodMs: 10_000,
  };
  return { ...pod, specHash: podSpecHash(pod) };
}

/** The proxy as a service of the fleet: global, one pod at a time per host, stop-first (a host has one proxy port set). */
export function proxyService(settings: TrafficSettings): ServiceSpec {
  return {
    name: PROXY_SERVICE,
    replicas: 0,
    pod: proxyPod(settings),
    placement: { constraints: [], strategy: "spread", distinctHosts: true, mode: "global" },
    rollout: { ...DEFAULT_ROLLOUT, maxSurge: 0, maxUnavailable: 1, order: "stop-first", monitorMs: 0 },
    labels: {},
    source: { file: "(berth)", line: 1 },
  };
}

/** The fleet with the proxy added when some service exposes a port; unchanged otherwise. */
export function withProxy(fleet: Fleet, settings: TrafficSettings): Fleet {
  if (!fleet.services.some((s) => (s.expose?.length ?? 0) > 0)) return fleet;
  const services = [...fleet.services, proxyService(settings)].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ...fleet, services };
}
