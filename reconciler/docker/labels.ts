/**
 * berth's labels on every container it creates (DESIGN §4). They make the
 * fleet self-describing: a reconciler that restarts reads its state back
 * from them, and never touches a container without `berth.managed=true` and
 * its own `berth.owner`.
 */
export const LABEL = {
  managed: "berth.managed",
  owner: "berth.owner",
  service: "berth.service",
  job: "berth.job",
  slot: "berth.slot",
  container: "berth.container",
  specHash: "berth.spec-hash",
  commit: "berth.commit",
  /** Shared by every container of one pod, so they are found and removed together. */
  pod: "berth.pod",
  /** The pod's normalised spec as JSON (secrets as references): lets a later plan say what changed. */
  spec: "berth.spec",
  /** Template parameters the pod was expanded with, as JSON. */
  uses: "berth.uses",
} as const;

/** The list filter that returns only this owner's managed containers. */
export function ownerFilter(owner: string): string[] {
  return [`${LABEL.managed}=true`, `${LABEL.owner}=${owner}`];
}
