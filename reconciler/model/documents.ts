/**
 * The documents users commit, typed exactly as they are written in YAML
 * (after schema validation, before defaults and unit parsing). The JSON
 * Schemas in `schemas/` are the source of truth for these shapes; the
 * normalised forms that later stages use are in `fleet.ts` and `pod.ts`.
 */

/** The API version every berth document declares. */
export const API_VERSION = "berth/v1";

/** Every document kind berth reads. */
export const DOCUMENT_KINDS = ["Host", "Service", "Job", "Template", "Policy"] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export interface MetadataDoc {
  /** A DNS label, unique per kind (services and jobs share one namespace). */
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
}

interface DocumentBase<K extends DocumentKind, S> {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: K;
  readonly metadata: MetadataDoc;
  readonly spec: S;
}

/** `{ name: VAR, fromEnv: NAME }` or `{ name: VAR, fromFile: /path }`: a reference, never a value. */
export type SecretEnvDoc =
  | { readonly name: string; readonly fromEnv: string }
  | { readonly name: string; readonly fromFile: string };

export interface PortDoc {
  readonly name: string;
  readonly containerPort: number;
  readonly hostPort?: number;
  readonly protocol?: "tcp" | "udp";
}

export interface VolumeDoc {
  /** The volume's name inside the pod; templates share volumes by this name. */
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
  /** A named engine volume that outlives the pod; default: a volume private to each replica. */
  readonly volume?: string;
  /** A bind mount of a host folder; only where the Policy allows it. */
  readonly hostPath?: string;
}

export interface ResourcesDoc {
  readonly cpu?: number;
  readonly memory?: string;
}

export interface HealthDoc {
  readonly http?: { readonly path?: string; readonly port: string | number; readonly scheme?: "http" | "https" };
  readonly tcp?: { readonly port: string | number };
  readonly exec?: { readonly command: readonly string[] };
  readonly image?: true;
  readonly interval?: string;
  readonly timeout?: string;
  readonly retries?: number;
  readonly startPeriod?: string;
}

export type ConstraintOp = "==" | "!=" | "in" | "notin" | "exists";

export interface ConstraintDoc {
  readonly label: string;
  readonly op: ConstraintOp;
  readonly value?: string;
  readonly values?: readonly string[];
}

export interface PlacementDoc {
  readonly constraints?: readonly ConstraintDoc[];
  readonly spread?: string;
  readonly strategy?: "spread" | "binpack";
  readonly distinctHosts?: boolean;
  readonly mode?: "replicated" | "global";
}

export interface UsesDoc {
  readonly template: string;
  readonly with?: Readonly<Record<string, string | number | boolean>>;
}

/** Fields shared by Service and Job specs: what one pod is. */
export interface PodFieldsDoc {
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string | number | boolean>>;
  readonly secretEnv?: readonly SecretEnvDoc[];
  readonly ports?: readonly PortDoc[];
  readonly volumes?: readonly VolumeDoc[];
  readonly resources?: ResourcesDoc;
  readonly health?: HealthDoc;
  readonly placement?: PlacementDoc;
  readonly stopGracePeriod?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly privileged?: boolean;
  readonly hostNetwork?: boolean;
  readonly uses?: readonly UsesDoc[];
}

export interface RolloutDoc {
  readonly maxSurge?: number;
  readonly maxUnavailable?: number;
  readonly order?: "start-first" | "stop-first";
  readonly minReady?: string;
  readonly monitor?: string;
  readonly progressDeadline?: string;
  readonly onFailure?: "rollback" | "pause";
}

export interface ExposeDoc {
  readonly port: number;
  readonly targetPort: string;
  readonly protocol?: "tcp" | "http";
}

export interface AutoscaleDoc {
  readonly min: number;
  readonly max: number;
  readonly cpu?: { readonly targetPercent: number };
  readonly prometheus?: { readonly url: string; readonly query: string; readonly target: number };
  readonly stabilization?: { readonly scaleIn?: string; readonly scaleOut?: string };
  readonly maxStep?: number;
}

export interface ServiceSpecDoc extends PodFieldsDoc {
  readonly replicas?: number;
  readonly expose?: readonly ExposeDoc[];
  readonly rollout?: RolloutDoc;
  readonly autoscale?: AutoscaleDoc;
}

export interface JobSpecDoc extends PodFieldsDoc {
  readonly schedule?: string;
  readonly timezone?: string;
  readonly concurrency?: "forbid" | "allow" | "replace";
  readonly timeout?: string;
  readonly historyLimit?: number;
}

export interface HostSpecDoc {
  readonly endpoint: string;
  readonly tls?: { readonly ca?: string; readonly cert: string; readonly key: string };
  readonly insecure?: boolean;
  readonly labels?: Readonly<Record<string, string>>;
  readonly capacity?: { readonly cpu?: number; readonly memory?: string };
  readonly drain?: boolean;
  readonly address?: string;
}

export type TemplatePattern = "sidecar" | "ambassador" | "adapter";
export type ParamType = "string" | "integer" | "number" | "boolean";

export interface TemplateParamDoc {
  readonly type: ParamType;
  readonly default?: string | number | boolean;
  readonly description?: string;
  readonly required?: boolean;
}

/**
 * A container a template adds. String fields may hold `${{ params.x }}`,
 * `${{ service.name }}` and `${{ service.ports.<name> }}`; port numbers may
 * be such a string too, read as an integer after substitution.
 */
export interface TemplateContainerDoc {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string | number | boolean>>;
  readonly secretEnv?: readonly SecretEnvDoc[];
  readonly ports?: readonly { readonly name: string; readonly containerPort: number | string; readonly hostPort?: number | string; readonly protocol?: "tcp" | "udp" }[];
  readonly resources?: ResourcesDoc;
  readonly privileged?: boolean;
  /** `true` mounts every volume of the main container at the same path; a list names the ones to mount. */
  readonly shareVolumes?: boolean | readonly string[];
}

export interface TemplateSpecDoc {
  readonly pattern: TemplatePattern;
  readonly description?: string;
  readonly params?: Readonly<Record<string, TemplateParamDoc>>;
  readonly containers: readonly TemplateContainerDoc[];
}

export interface PolicySpecDoc {
  readonly allowPrivileged?: boolean;
  readonly allowHostNetwork?: boolean;
  readonly allowEmpty?: boolean;
  readonly allowedHostPaths?: readonly string[];
  readonly allowedRegistries?: readonly string[];
}

export type HostDoc = DocumentBase<"Host", HostSpecDoc>;
export type ServiceDoc = DocumentBase<"Service", ServiceSpecDoc>;
export type JobDoc = DocumentBase<"Job", JobSpecDoc>;
export type TemplateDoc = DocumentBase<"Template", TemplateSpecDoc>;
export type PolicyDoc = DocumentBase<"Policy", PolicySpecDoc>;
export type BerthDoc = HostDoc | ServiceDoc | JobDoc | TemplateDoc | PolicyDoc;
