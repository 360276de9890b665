/**
 * The Plan: what an apply would do, as plain JSON-serialisable data. It is
 * printed for review (text, markdown), saved with `berth plan --out`, and
 * applied later by `berth apply --plan`. This shape is a public contract:
 * `apiVersion: berth/v1`, `kind: Plan`; fields are only ever added.
 */
import type { PodSpec } from "../model/pod.ts";
import type { ExposedPort, RolloutPolicy } from "../model/fleet.ts";
import type { PublishedPort } from "../docker/types.ts";
import type { TemplateUses } from "./spec-changes.ts";

/** A pod that runs now, as observed on an engine. */
export interface PodRef {
  readonly host: string;
  /** The pod id shared by all its containers (label `berth.pod`). */
  readonly pod: string;
  readonly slot: number;
  readonly specHash: string;
  readonly commit: string;
  /** `running`, `exited (1)`, `unhealthy`, `starting`... of the main container. */
  readonly status: string;
  readonly containers: readonly { readonly id: string; readonly name: string; readonly container: string }[];
  /** The main container's published ports, engine-assigned ones included. */
  readonly ports?: readonly PublishedPort[];
  /** The stop grace period this pod was created with, when its recorded spec is readable. */
  readonly stopGracePeriodMs?: number;
}

export type PlanChange =
  /** A slot with no pod anywhere: start one. */
  | { readonly action: "create"; readonly slot: number; readonly host: string; readonly reason: string }
  /** A pod whose spec differs (or that must move): start the new one, stop the old one. */
  | {
      readonly action: "replace";
      readonly slot: number;
      readonly host: string;
      readonly from: PodRef;
      readonly reasons: readonly string[];
      readonly order: "start-first" | "stop-first";
      /** Why the order differs from the service's, when it does. */
      readonly orderReason?: string;
    }
  /**
   * The pod differs only in the cpu or memory of its containers, and stays on
   * its host (the scheduler says it still fits): the engine changes the
   * running containers' limits, without a restart or a new pod. `reasons`
   * are the field-level changes (`cpu 0.25 → 0.5`); `resources` the limits
   * each container gets.
   */
  | {
      readonly action: "resize";
      readonly slot: number;
      readonly host: string;
      readonly from: PodRef;
      readonly reasons: readonly string[];
      readonly resources: readonly ContainerResources[];
    }
  /** Same spec, but exited or unhealthy: remove and start again. */
  | { readonly action: "recreate"; readonly slot: number; readonly host: string; readonly from: PodRef; readonly reason: string }
  /** A pod git no longer wants (scaled down, service deleted, duplicate). */
  /** `unfinished`: a new pod of an interrupted rollout that never counted; it goes before the slot is replaced again, so it takes no surge. */
  | { readonly action: "remove"; readonly slot: number; readonly host: string; readonly from: PodRef; readonly reason: string; readonly unfinished?: true }
  /** Nothing to do. */
  | { readonly action: "keep"; readonly slot: number; readonly host: string; readonly from: PodRef }
  /** The scheduler found no host; what runs for the slot, if anything, is left alone. */
  | { readonly action: "unplaced"; readonly slot: number; readonly reason: string; readonly left?: PodRef }
  /**
   * No pod was seen for the slot, but a host that may run it was not observed:
   * nothing is done, so a blind spot never starts a second pod for one slot.
   * `host` is the unobserved host the slot was last seen on, when known.
   */
  | { readonly action: "unknown"; readonly slot: number; readonly host?: string; readonly reason: string };

export type PlanAction = PlanChange["action"];

/** The limits one container of a pod gets from a resize in place. */
export interface ContainerResources {
  /** `main` or the template container's name (label `berth.container`). */
  readonly container: string;
  /** Decimal cores. */
  readonly cpu: number;
  readonly memoryBytes: number;
}

/**
 * One step of a rollout. `pull` fetches an image on a host; `launch` starts
 * the slot's new pod; `gate` waits until that new pod counts as ready
 * (health check, then minReady); `stop` stops an existing pod gracefully
 * (kept, so a rollback can start it again); `remove` deletes an existing pod;
 * `resize` changes the limits of an existing pod's running containers.
 * For an exposed service, `route` adds the track's new pod to every host's
 * proxy, and `drain` takes an existing pod out of every proxy (then waits
 * the drain delay) before it stops.
 */
export interface RolloutStep {
  readonly verb: "pull" | "launch" | "gate" | "route" | "drain" | "stop" | "remove" | "resize";
  readonly host: string;
  /** Absent for `pull`. */
  readonly slot?: number;
  /** `pull`: the image. */
  readonly image?: string;
  /** `drain`, `stop`, `remove` and `resize`: the existing pod. `launch`, `gate` and `route` act on the pod the track launches. */
  readonly pod?: string;
  /** `resize`: the limits each container gets. */
  readonly resources?: readonly ContainerResources[];
  /**
   * `stop` of a start-first track whose pod holds no fixed host port: the
   * wave does not wait for it to end, so the next wave starts as soon as the
   * old pod's main container has been told to stop, its sidecars having
   * stopped first (the pod serves nothing new from then on, and it holds
   * nothing a later launch needs). The wave after that one waits for it, so
   * at most one wave's old pods are stopping at a time; the rollout waits
   * for every such stop before it removes the replaced pods, rolls back or
   * ends.
   */
  readonly background?: true;
}

/** The steps of one slot (or one host's pulls) within a wave, carried out in order. */
export interface Track {
  /** The slot this track works on; absent for pulls. */
  readonly slot?: number;
  readonly host: string;
  /** Replacements: the order this slot really gets. */
  readonly strategy?: "start-first" | "stop-first";
  /** Why the strategy differs from the service's `order`, when it does. */
  readonly strategyReason?: string;
  readonly steps: readonly RolloutStep[];
}

/**
 * One wave of a service's rollout. The tracks of a wave run at the same
 * time; a wave starts once the one before it has finished. `berth apply`
 * carries out exactly these waves (see plan/steps.ts).
 */
export interface Wave {
  readonly index: number;
  /** `pull` images, `resize` (limits changed in place), `repair` (create, recreate), `replace`, `finish` (remove the replaced pods), `remove`. */
  readonly kind: "pull" | "resize" | "repair" | "replace" | "finish" | "remove";
  readonly slots: readonly number[];
  /** Short description, e.g. `replace slots 0,1 (start-first)`. */
  readonly summary: string;
  readonly tracks: readonly Track[];
}

export interface ServicePlan {
  readonly name: string;
  /** `service`, or `removed` for a service that git no longer declares. */
  readonly kind: "service" | "removed";
  readonly replicas: number;
  /** The desired pod (secrets as references); absent for a removed service. */
  readonly pod?: PodSpec;
  /** Template parameters the desired pod was expanded with. */
  readonly uses?: TemplateUses;
  readonly rollout?: RolloutPolicy;
  /** True for a global service (`placement.mode: global`): one pod on every host that may run it, `replicas` being their number. */
  readonly global?: boolean;
  /** The ports every host's proxy answers on for this service; absent when it exposes none. */
  readonly expose?: readonly ExposedPort[];
  /** For an autoscaled service: `replicas` came from the controller's last decision within git's bounds. */
  readonly autoscale?: ServiceAutoscale;
  /** Sorted by slot, then action. */
  readonly changes: readonly PlanChange[];
  readonly waves: readonly Wave[];
}

export interface ServiceAutoscale {
  readonly min: number;
  readonly max: number;
  /** `replicas` in git: the count until the first decision. */
  readonly gitReplicas: number;
  /** The last decision's metrics against their targets; absent before the first decision. */
  readonly reason?: string;
  /** ISO time of that decision. */
  readonly at?: string;
}

export interface PlanHost {
  readonly name: string;
  /** `ready`, `drained` (nothing new placed there) or `unreachable` (not observed: its pods are unknown). */
  readonly state: "ready" | "drained" | "unreachable";
  /** sha256 of what was observed on the host; a saved plan is refused when it no longer matches. */
  readonly digest?: string;
  readonly error?: string;
  /**
   * True for a host that is no longer in git but that berth deployed to before
   * (from the deployment record): its pods are removed, and nothing new goes there.
   */
  readonly leftGit?: boolean;
}

/** A Job's change: the job runner picks up its new spec and schedule when the plan is applied. */
export interface JobPlan {
  readonly name: string;
  /** `create` (new in git), `update` (a field changed), `remove` (deleted from git), `keep`. */
  readonly action: "create" | "update" | "remove" | "keep";
  /** What changed, field by field (`image a → b`, `schedule "0 3 * * *" → "0 * * * *"`, `env TOKEN changed`); never values of env or secrets. */
  readonly changes: readonly string[];
  readonly schedule?: string;
  readonly timezone?: string;
  /** The next three runs (ISO times) from the plan's `createdAt`, in the job's time zone; empty for a removed or on-demand job. */
  readonly nextRuns: readonly string[];
  /** The desired pod (secrets as references); absent for a removed job. */
  readonly pod?: PodSpec;
  /** Where the previous version was known from: the deployment record, or the newest run seen on an engine. */
  readonly previousFrom?: "record" | "run";
}

/** Why a plan must not be applied as it stands. */
export interface PlanRefusal {
  /** `empty-fleet`: the commit would remove every pod this owner runs. */
  readonly code: "empty-fleet";
  readonly message: string;
}

export interface PlanSummary {
  readonly create: number;
  readonly replace: number;
  /** Slots whose pod gets new cpu or memory limits in place, without a restart. */
  readonly resize: number;
  readonly recreate: number;
  readonly remove: number;
  readonly keep: number;
  readonly unplaced: number;
  /** Slots that may run on a host that was not observed: nothing is done for them. */
  readonly unknown: number;
  /** Job changes. */
  readonly jobs: { readonly create: number; readonly update: number; readonly remove: number; readonly keep: number };
  /** False when a host in git could not be observed: the plan cannot say the fleet is in sync. */
  readonly complete: boolean;
  /** The hosts in git that were not observed, with why. */
  readonly unobserved: readonly { readonly host: string; readonly reason: string }[];
  /** True when applying would change nothing: complete, no pod or job change, not refused, and no pods may remain on an unreachable host that left git. */
  readonly inSync: boolean;
}

/**
 * One host's proxy as the plan found it (traffic/). `routes` says whether it
 * routes what berth would push to it now: `in-sync`, `differs` (it is
 * pushed before the rollout starts), `unreadable` (its config could not be
 * read; pushed too), or `starting` (no running proxy yet: the rollout of
 * `berth-proxy` starts one and pushes the routes into it).
 */
export interface ProxyPlan {
  readonly host: string;
  readonly routes: "in-sync" | "differs" | "unreadable" | "starting";
  /** The proxy pod, when one runs. */
  readonly pod?: string;
  /** Exposed ports that something berth does not manage already holds on this host: the proxy cannot answer there. */
  readonly portsTaken?: readonly number[];
}

/** One routed replica of an exposed service. */
export interface PlanBackend {
  readonly host: string;
  readonly slot: number;
  readonly pod: string;
  /** Where its ports are published. */
  readonly address: string;
  /** Published host port by container port. */
  readonly ports: Readonly<Record<string, number>>;
}

/** The traffic part of a plan: what every proxy routes when the apply starts, and the state of each proxy. */
export interface TrafficPlan {
  /** Per exposed service: its ports and the replicas serving now (running, not unhealthy), which every proxy routes to. */
  readonly services: readonly { readonly service: string; readonly expose: readonly ExposedPort[]; readonly backends: readonly PlanBackend[] }[];
  readonly proxies: readonly ProxyPlan[];
}

export interface Plan {
  readonly apiVersion: "berth/v1";
  readonly kind: "Plan";
  /** Identity of the source (label `berth.owner`). */
  readonly owner: string;
  /** The commit the desired state was read from. */
  readonly commit: string;
  /** ISO time the plan was made (from the `now` passed in). */
  readonly createdAt: string;
  readonly hosts: readonly PlanHost[];
  readonly services: readonly ServicePlan[];
  readonly jobs: readonly JobPlan[];
  /** Present when some service exposes a port. */
  readonly traffic?: TrafficPlan;
  /** Things a reviewer should know that are not changes, e.g. `pods may remain on h3 (unreachable)`. */
  readonly warnings: readonly string[];
  /** Present when the plan must not be applied; `berth apply` then changes nothing and exits 1. */
  readonly refused?: PlanRefusal;
  readonly summary: PlanSummary;
}
