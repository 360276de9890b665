/**
 * The Plan: what an apply would do, as plain JSON-serialisable data. It is
 * printed for review (text, markdown), saved with `berth plan --out`, and
 * applied later by `berth apply --plan`. This shape is a public contract:
 * `apiVersion: berth/v1`, `kind: Plan`; fields are only ever added.
 */
import type { PodSpec } from "../model/pod.ts";
import type { RolloutPolicy } from "../model/fleet.ts";
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
  /** Same spec, but exited or unhealthy: remove and start again. */
  | { readonly action: "recreate"; readonly slot: number; readonly host: string; readonly from: PodRef; readonly reason: string }
  /** A pod git no longer wants (scaled down, service deleted, duplicate). */
  | { readonly action: "remove"; readonly slot: number; readonly host: string; readonly from: PodRef; readonly reason: string }
  /** Nothing to do. */
  | { readonly action: "keep"; readonly slot: number; readonly host: string; readonly from: PodRef }
  /** The scheduler found no host; what runs for the slot, if anything, is left alone. */
  | { readonly action: "unplaced"; readonly slot: number; readonly reason: string; readonly left?: PodRef };

export type PlanAction = PlanChange["action"];

/** One wave of a service's rollout: the slots worked on together. */
export interface Wave {
  readonly index: number;
  readonly slots: readonly number[];
  /** Short description, e.g. `replace slots 0,1 (start-first)`. */
  readonly summary: string;
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
  /** Sorted by slot, then action. */
  readonly changes: readonly PlanChange[];
  readonly waves: readonly Wave[];
}

export interface PlanHost {
  readonly name: string;
  /** `ready`, `drained` (nothing new placed there) or `unreachable` (not observed: its pods are unknown). */
  readonly state: "ready" | "drained" | "unreachable";
  /** sha256 of what was observed on the host; a saved plan is refused when it no longer matches. */
  readonly digest?: string;
  readonly error?: string;
}

export interface PlanSummary {
  readonly create: number;
  readonly replace: number;
  readonly recreate: number;
  readonly remove: number;
  readonly keep: number;
  readonly unplaced: number;
  /** True when applying would change nothing. */
  readonly inSync: boolean;
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
  readonly summary: PlanSummary;
}
