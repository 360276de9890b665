/**
 * Docker create options for the containers of one pod. The main container
 * owns the pod's network namespace and publishes every pod port; template
 * containers join it with `NetworkMode: container:<main>`.
 */
import type Docker from "dockerode";
import type { ContainerSpec, HealthCheck, PodSpec } from "../model/pod.ts";
import { LABEL } from "./labels.ts";
import type { PodLaunch } from "./types.ts";

const NS_PER_MS = 1_000_000;

/** Readable, unique container names: `web-0-3f9a1c` and `web-0-3f9a1c-log-shipper`. */
export function containerName(spec: PodSpec, slot: number, pod: string, container: string): string {
  const base = `${spec.name}-${slot}-${pod.slice(0, 6)}`;
  return container === "main" ? base : `${base}-${container}`;
}

/** Name of the engine volume behind a pod-private volume. */
export function podVolumeName(pod: string, volume: string): string {
  return `berth-${pod}-${volume}`;
}

function binds(launch: PodLaunch, c: ContainerSpec): string[] {
  const volumes = new Map(launch.spec.volumes.map((v) => [v.name, v]));
  return c.volumeMounts.map((m) => {
    const v = volumes.get(m.volume);
    const source = !v || v.source.kind === "pod" ? podVolumeName(launch.pod, m.volume) : v.source.kind === "named" ? v.source.volume : v.source.path;
    return `${source}:${m.mountPath}${m.readOnly ? ":ro" : ""}`;
  });
}

function healthcheck(h: HealthCheck): Docker.ContainerCreateOptions["Healthcheck"] | undefined {
  // Exec probes run inside the container, so the engine runs them and
  // reports the result; http and tcp probes are run by berth from outside.
  if (h.kind !== "exec") return undefined;
  return {
    Test: ["CMD", ...h.command],
    Interval: h.intervalMs * NS_PER_MS,
    Timeout: h.timeoutMs * NS_PER_MS,
    Retries: h.retries,
    StartPeriod: h.startPeriodMs * NS_PER_MS,
  };
}

export function podLabels(launch: PodLaunch, container: string): Record<string, string> {
  const { spec } = launch;
  return {
    ...spec.labels,
    [LABEL.managed]: "true",
    [LABEL.owner]: launch.owner,
    [spec.kind === "job" ? LABEL.job : LABEL.service]: spec.name,
    [LABEL.slot]: String(launch.slot),
    [LABEL.container]: container,
    [LABEL.specHash]: spec.specHash,
    [LABEL.commit]: launch.commit,
    [LABEL.pod]: launch.pod,
    ...(container === "main" ? { [LABEL.spec]: JSON.stringify(spec), ...(launch.uses ? { [LABEL.uses]: JSON.stringify(launch.uses) } : {}) } : {}),
  };
}

export function createOptions(launch: PodLaunch, c: ContainerSpec, mainId?: string): Docker.ContainerCreateOptions {
  const { spec } = launch;
  const env = { ...c.env, ...(launch.secretValues?.[c.name] ?? {}) };
  const isMain = c.name === "main";
  const ports = isMain ? spec.ports : [];
  const check = isMain ? healthcheck(spec.health) : undefined;
  return {
    name: containerName(spec, launch.slot, launch.pod, c.name),
    Image: c.image,
    ...(c.command ? { Entrypoint: [...c.command] } : {}),
    ...(c.args ? { Cmd: [...c.args] } : {}),
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: podLabels(launch, c.name),
    StopTimeout: Math.ceil(spec.stopGracePeriodMs / 1000),
    ...(check ? { Healthcheck: check } : {}),
    ...(ports.length ? { ExposedPorts: Object.fromEntries(ports.map((p) => [`${p.containerPort}/${p.protocol}`, {}])) } : {}),
    HostConfig: {
      NanoCpus: Math.round(c.resources.cpu * 1e9),
      Memory: c.resources.memoryBytes,
      Privileged: c.privileged,
      Binds: binds(launch, c),
      RestartPolicy: { Name: "no" },
      ...(isMain
        ? {
            NetworkMode: spec.network === "host" ? "host" : "bridge",
            // Only main: a container that joins with `container:<id>` shares main's /etc/hosts,
            // and the engine refuses ExtraHosts on it ("conflicting options: custom host-to-IP mapping").
            ...(spec.extraHosts?.length ? { ExtraHosts: [...spec.extraHosts] } : {}),
            PortBindings: Object.fromEntries(
              ports.map((p) => [`${p.containerPort}/${p.protocol}`, [{ HostIp: launch.hostIp ?? "", HostPort: p.hostPort ? String(p.hostPort) : "" }]]),
            ),
          }
        : { NetworkMode: `container:${mainId}` }),
    },
  };
}
