/**
 * berth's own view of a Docker engine: observed containers, pods to launch,
 * events. Nothing here is a dockerode type.
 */
import type { ErrorInfo } from "../model/berth-error.ts";
import type { PodSpec, Resources } from "../model/pod.ts";
import type { TemplateUses } from "../plan/spec-changes.ts";
import type { ContainerResources } from "../plan/types.ts";

export type ContainerState = "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";
export type Health = "healthy" | "unhealthy" | "starting" | "none";

export interface PublishedPort {
  readonly containerPort: number;
  readonly protocol: "tcp" | "udp";
  readonly hostIp: string;
  readonly hostPort: number;
}

export interface ObservedContainer {
  readonly host: string;
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly image: string;
  readonly state: ContainerState;
  readonly health: Health;
  readonly exitCode?: number;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly ports: readonly PublishedPort[];
  readonly owner: string;
  readonly kind: "service" | "job";
  /** The service or job name. */
  readonly group: string;
  readonly slot: number;
  /** `main` or the template container's name. */
  readonly container: string;
  readonly pod: string;
  readonly specHash: string;
  readonly commit: string;
  /**
   * The limits a resize in place gave the container (read from its name,
   * docker/resized-name.ts); absent while it has those it was created with.
   */
  readonly resources?: Resources;
}

export interface Capacity {
  readonly cpu: number;
  readonly memory: number;
}

export type HostObservation =
  | {
      readonly host: string;
      readonly ok: true;
      readonly containers: readonly ObservedContainer[];
      readonly capacity: Capacity;
      /** Host ports held by running containers that are not this owner's pods: the scheduler keeps off them. */
      readonly portsInUse: readonly number[];
    }
  | { readonly host: string; readonly ok: false; readonly error: ErrorInfo };

/** What one host's `berth-proxy` routes now, read from its config's first line (traffic/observe-proxies.ts). */
export interface ProxyObservation {
  readonly host: string;
  /** The proxy's main container. */
  readonly container: string;
  readonly pod: string;
  /** The digest on the config's first line; absent when it could not be read. */
  readonly routesDigest?: string;
  /** The engine's bridge gateway, where the host's pods reach the proxy. */
  readonly gateway?: string;
}

/** Everything needed to start one pod on one engine. Secrets are already resolved into `secretValues`. */
export interface PodLaunch {
  /** Unique pod id, shared by the pod's containers (label `berth.pod`). */
  readonly pod: string;
  readonly owner: string;
  readonly commit: string;
  readonly slot: number;
  readonly spec: PodSpec;
  readonly uses?: TemplateUses;
  /** Per container name: secret env values. Never logged, never in labels. */
  readonly secretValues?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Address published ports bind to (default: all the engine's addresses). */
  readonly hostIp?: string;
}

export interface ContainerStatus {
  readonly id: string;
  readonly state: ContainerState;
  readonly health: Health;
  readonly exitCode?: number;
  readonly ports: readonly PublishedPort[];
  /** The container's HEALTHCHECK test as a command to exec (`CMD-SHELL x` → `/bin/sh -c x`); absent when it has none. */
  readonly healthTest?: readonly string[];
  /** That HEALTHCHECK's own timeout, in ms (the engine's default, 30 s, when unset). */
  readonly healthTimeoutMs?: number;
}

export interface EngineEvent {
  readonly host: string;
  readonly id: string;
  readonly pod?: string;
  readonly group?: string;
  /** Whether the container belongs to a service or a job run. */
  readonly kind?: "service" | "job";
  readonly action: "die" | "destroy" | "stop" | "unhealthy" | "healthy" | "start";
  readonly exitCode?: number;
  readonly at: number;
}

/** A Docker engine, in berth's verbs. Stopping what is stopped and removing what is gone are not errors. */
export interface DockerHost {
  readonly name: string;
  /** Where this engine's published ports are reached from the reconciler. */
  readonly address: string;
  /** One list call, filtered on berth's labels and this owner. */
  observe(owner: string): Promise<ObservedContainer[]>;
  capacity(): Promise<Capacity>;
  /** Host ports published by running containers that are not this owner's berth pods (unmanaged ones, other owners'). */
  portsInUse(owner: string): Promise<number[]>;
  /** Pulls the image unless the engine has it. */
  pull(image: string): Promise<void>;
  /** Creates and starts every container of the pod, or none: on failure, what was created is removed. */
  launchPod(launch: PodLaunch): Promise<{ readonly containers: readonly { readonly name: string; readonly id: string }[] }>;
  /**
   * Stops the pod's containers, others first and main last, each with the
   * grace period. `onStopping` is called once main has been told to stop
   * (or, when main is not running, once the others have stopped): from then
   * on the pod serves nothing new.
   */
  stopPod(owner: string, pod: string, graceMs: number, onStopping?: () => void): Promise<void>;
  /** Starts a stopped pod again (main first), for rollbacks. */
  startPod(owner: string, pod: string): Promise<void>;
  /**
   * Sets the cpu and memory limits of the pod's running containers in place
   * (no restart), and names each container after its new limits so that
   * observation sees them. Limits already set are left alone. Lowering memory
   * below what a container uses now is refused (a `resize-failed` error),
   * not left to the kernel's OOM killer. Optional until every wrapper of a
   * host forwards it; a rollout without it fails the resize as a bug.
   */
  resizePod(owner: string, pod: string, resources: readonly ContainerResources[]): Promise<void>;
  /** Removes the pod's containers and its private volumes. */
  removePod(owner: string, pod: string): Promise<void>;
  status(id: string): Promise<ContainerStatus | undefined>;
  exec(id: string, command: readonly string[], timeoutMs: number): Promise<{ exitCode: number; output: string }>;
  /**
   * The address of the engine's default bridge on the host (what
   * `host-gateway` resolves to inside its containers), read once; absent
   * when the engine has no bridge network.
   */
  bridgeGateway(): Promise<string | undefined>;
  logsTail(id: string, lines: number): Promise<string>;
  /**
   * A running container's cpu over the engine's last sampling interval
   * (the stats API, about a second), in cores: 0.5 is half of one core.
   * Undefined when the engine has no sample (the container just started
   * or stopped).
   */
  cpuCores(id: string): Promise<number | undefined>;
  /** Subscribes to this owner's container events; `onEnd` is called when the stream ends. */
  /** Follows this owner's container events; `onOpen` once the engine has accepted the stream (a refusal may only come later, as `onEnd`). */
  events(owner: string, onEvent: (e: EngineEvent) => void, onEnd: (err?: Error) => void, onOpen?: () => void): { close(): void };
}
