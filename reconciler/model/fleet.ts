/**
 * The result of loading a repository: every document normalised, templates
 * expanded into pods. This is the desired half of the pipeline; the
 * scheduler, diff and rollout read it and never see YAML.
 */
import type { PodSpec, Resources } from "./pod.ts";
import type { ConstraintOp, TemplateDoc } from "./documents.ts";

/** Where a document came from, for messages that point back at the repository. */
export interface SourceRef {
  /** Path relative to the repository root, `/`-separated. */
  readonly file: string;
  /** 1-based line of the document's first line. */
  readonly line: number;
}

export interface HostSpec {
  readonly name: string;
  /** `unix:///path` or `tcp://host:port`. */
  readonly endpoint: string;
  /** File paths on the reconciler's machine; absent for `unix://` and for `insecure: true`. */
  readonly tls?: { readonly ca?: string; readonly cert: string; readonly key: string };
  /** Plain TCP without TLS, stated explicitly by the user. */
  readonly insecure: boolean;
  /** What placement constraints and spread read (`zone`, `role`...). */
  readonly labels: Readonly<Record<string, string>>;
  /** Absent: read from the engine. */
  readonly capacity?: Partial<Resources>;
  /** A drained host keeps running what it has until berth moves it; nothing new is placed there. */
  readonly drain: boolean;
  /** Where clients and other hosts reach it (exposed ports, published replicas); absent: the endpoint's host. */
  readonly address?: string;
  readonly source: SourceRef;
}

/** A hard constraint on host labels. `values` has one entry for `==`/`!=`, none for `exists`. */
export interface Constraint {
  readonly label: string;
  readonly op: ConstraintOp;
  readonly values: readonly string[];
}

export interface Placement {
  readonly constraints: readonly Constraint[];
  /** Spread replicas evenly over the values of this host label (e.g. `zone`). */
  readonly spread?: string;
  readonly strategy: "spread" | "binpack";
  /** Replicas of one service on distinct hosts (default true). */
  readonly distinctHosts: boolean;
  /**
   * `global`: one pod on every host in git that passes the constraints and is
   * not drained (Swarm's global mode, a DaemonSet); the replica count follows
   * the hosts. Absent: `replicas` pods.
   */
  readonly mode?: "global";
}

export interface RolloutPolicy {
  readonly maxSurge: number;
  readonly maxUnavailable: number;
  readonly order: "start-first" | "stop-first";
  /** How long a new pod must stay healthy before it counts. */
  readonly minReadyMs: number;
  /** After a new pod counts, how long it is watched: a crash or unhealthy turn in this window fails the rollout. */
  readonly monitorMs: number;
  /** A rollout that has not progressed in this time has failed. */
  readonly progressDeadlineMs: number;
  readonly onFailure: "rollback" | "pause";
}

/**
 * A port every host answers on, balanced over all ready replicas of the
 * service on every host (traffic/). `targetPort` names one of the pod's
 * ports; `containerPort` is that port's number.
 */
export interface ExposedPort {
  readonly port: number;
  readonly targetPort: string;
  readonly containerPort: number;
  /** `http`: balanced per request, and a request a vanished replica never answered is sent to another one; absent: tcp, per connection. */
  readonly protocol?: "http";
}

/**
 * `spec.autoscale`: replicas follow a metric within bounds set in git
 * (reconciler/autoscale/); the current count belongs to the controller.
 */
export interface AutoscaleSpec {
  readonly min: number;
  readonly max: number;
  /** Target average cpu of the service's pods, in percent of each pod's cpu limit (of one core without a limit). */
  readonly cpuPercent?: number;
  /** A Prometheus instant query whose value is the average per replica, and its target. */
  readonly prometheus?: { readonly url: string; readonly query: string; readonly target: number };
  /** A lower count is taken only once every recommendation in this window was at most that low (default 5 m). */
  readonly scaleInWindowMs: number;
  /** A higher count is taken only once every recommendation in this window was at least that high (default 0). */
  readonly scaleOutWindowMs: number;
  /** At most this many replicas added or removed per decision (default 4). */
  readonly maxStep: number;
}

export interface ServiceSpec {
  readonly name: string;
  /** For a global service, the hosts it runs on now: set when the fleet is planned (pipeline/global-replicas.ts); 0 from the loader. */
  readonly replicas: number;
  /** Absent or empty: the service is reached only at its replicas' own addresses. */
  readonly expose?: readonly ExposedPort[];
  readonly pod: PodSpec;
  /** Parameters each template in `uses:` was expanded with, so a plan can say which one changed. */
  readonly uses?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly placement: Placement;
  readonly rollout: RolloutPolicy;
  /** Absent: `replicas` from git. Present: `replicas` is the count until the first decision. */
  readonly autoscale?: AutoscaleSpec;
  /** `metadata.labels`: for people and tools. Container labels are `pod.labels`. */
  readonly labels: Readonly<Record<string, string>>;
  readonly source: SourceRef;
}

export interface JobSpec {
  readonly name: string;
  readonly pod: PodSpec;
  readonly placement: Placement;
  /** A cron expression (5 or 6 fields); absent: run only on demand. */
  readonly schedule?: string;
  /** IANA time zone the schedule is read in. */
  readonly timezone: string;
  readonly concurrency: "forbid" | "allow" | "replace";
  /** Absent: no limit. */
  readonly timeoutMs?: number;
  /** How many finished runs to keep. */
  readonly historyLimit: number;
  /** `metadata.labels`: for people and tools. Container labels are `pod.labels`. */
  readonly labels: Readonly<Record<string, string>>;
  readonly source: SourceRef;
}

/** What specs may ask for. Without a Policy document: nothing privileged, no host network, no bind mounts, any registry. */
export interface PolicySpec {
  readonly allowPrivileged: boolean;
  readonly allowHostNetwork: boolean;
  /** Host folders (and anything below them) that may be bind-mounted. */
  readonly allowedHostPaths: readonly string[];
  /** Registries (`host[:port]`, or a `host[:port]/prefix`) images may come from; absent: any. */
  readonly allowedRegistries?: readonly string[];
  /** A commit may remove every pod this owner runs (like Argo CD's allowEmpty); default false. */
  readonly allowEmpty: boolean;
  readonly source?: SourceRef;
}

export interface TemplateSpec {
  readonly name: string;
  readonly doc: TemplateDoc;
  readonly source: SourceRef;
}

/** Everything a valid repository declares. Lists are sorted by name. */
export interface Fleet {
  readonly hosts: readonly HostSpec[];
  readonly services: readonly ServiceSpec[];
  readonly jobs: readonly JobSpec[];
  readonly templates: readonly TemplateSpec[];
  readonly policy: PolicySpec;
}
