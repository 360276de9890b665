/**
 * The normalised pod: what one replica of a Service (or one run of a Job)
 * is, with templates expanded, defaults filled in and quantities parsed.
 * The scheduler, the diff and the Docker adapter work on this shape only.
 *
 * Everything here is plain, readonly, JSON-serialisable data. Two pods with
 * the same meaning are deep-equal and have the same `specHash`.
 */

/** A secret is a reference the reconciler resolves when it creates a container; its value is never in a pod. */
export type SecretRef =
  | { readonly name: string; readonly fromEnv: string }
  | { readonly name: string; readonly fromFile: string };

/** Where a pod volume's data lives. */
export type VolumeSource =
  /** A volume private to one replica, created with the pod and removed with it. */
  | { readonly kind: "pod" }
  /** A named engine volume that outlives pods (shared by every replica on a host). */
  | { readonly kind: "named"; readonly volume: string }
  /** A bind mount of a folder on the host (allowed by the Policy). */
  | { readonly kind: "host"; readonly path: string };

/** A volume of the pod, declared by the Service or Job. */
export interface PodVolume {
  readonly name: string;
  readonly source: VolumeSource;
}

/** A volume mounted into one container. */
export interface VolumeMount {
  /** The `PodVolume.name` it mounts. */
  readonly volume: string;
  readonly mountPath: string;
  readonly readOnly: boolean;
}

/**
 * A port of the pod. All containers of a pod share the main container's
 * network namespace, so ports belong to the pod: the Docker adapter
 * publishes them all on the main container. `hostPort` absent means the
 * engine assigns one.
 */
export interface PodPort {
  readonly name: string;
  /** The container that listens on it (`main` or a template container's name). */
  readonly container: string;
  readonly containerPort: number;
  readonly hostPort?: number;
  readonly protocol: "tcp" | "udp";
}

export interface Resources {
  /** Decimal cores, e.g. 0.25. */
  readonly cpu: number;
  /** Bytes; also the container's memory limit. */
  readonly memoryBytes: number;
}

/**
 * How berth decides a pod is healthy. `image` uses the image's own
 * HEALTHCHECK when it has one (and "running" when it has none); the others
 * are probes berth sets up, each against the main container.
 */
export type HealthCheck =
  | { readonly kind: "image" }
  | ({ readonly kind: "http"; readonly path: string; readonly port: number; readonly scheme: "http" | "https" } & HealthTiming)
  | ({ readonly kind: "tcp"; readonly port: number } & HealthTiming)
  | ({ readonly kind: "exec"; readonly command: readonly string[] } & HealthTiming);

export interface HealthTiming {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly startPeriodMs: number;
}

export interface ContainerSpec {
  /** `main` for the service's own container, else the template container's name. */
  readonly name: string;
  /** The template that added it; absent for `main`. */
  readonly template?: string;
  /** The template's pattern; absent for `main`. */
  readonly pattern?: "sidecar" | "ambassador" | "adapter";
  readonly image: string;
  /** Overrides the image's entrypoint when present. */
  readonly command?: readonly string[];
  /** Overrides the image's CMD when present. */
  readonly args?: readonly string[];
  /** Plain values, keys sorted. */
  readonly env: Readonly<Record<string, string>>;
  /** References only, sorted by name. */
  readonly secretEnv: readonly SecretRef[];
  readonly volumeMounts: readonly VolumeMount[];
  readonly resources: Resources;
  readonly privileged: boolean;
}

export interface PodSpec {
  /** The service or job name. */
  readonly name: string;
  readonly kind: "service" | "job";
  /** `main` first, then template containers in the order of `uses`. Start in this order, stop in reverse. */
  readonly containers: readonly ContainerSpec[];
  /** `bridge`: main gets its own network namespace, the others join it. `host`: main uses the host's. */
  readonly network: "bridge" | "host";
  /**
   * `/etc/hosts` entries of the pod (`name:address`, Docker's ExtraHosts), set
   * on main; the other containers share main's. Present only when the pod
   * names a service address (`host.berth.internal:host-gateway`), so the
   * hash of every other pod stays what it was.
   */
  readonly extraHosts?: readonly string[];
  /** Sorted by container, then port, then protocol. */
  readonly ports: readonly PodPort[];
  /** Sorted by name. */
  readonly volumes: readonly PodVolume[];
  /** Judged on the main container. */
  readonly health: HealthCheck;
  /** Sum over containers: what the scheduler reserves on a host. */
  readonly resources: Resources;
  /** User labels put on every container (never `berth.*`). */
  readonly labels: Readonly<Record<string, string>>;
  /** How long a container has after SIGTERM before it is killed. */
  readonly stopGracePeriodMs: number;
  /**
   * Short sha256 (16 hex characters) of the canonical JSON of every field
   * above except `name` and `kind`: equal hash = no container to change.
   */
  readonly specHash: string;
}

/** The fixed host ports a pod binds: what the scheduler keeps apart and what forces a stop-first replacement on the same host. */
export function fixedHostPorts(pod: Pick<PodSpec, "ports">): number[] {
  return pod.ports.flatMap((p) => (p.hostPort === undefined ? [] : [p.hostPort]));
}
