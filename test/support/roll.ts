/**
 * One rollout on recording fake hosts: `replicas` pods of app:v1 seeded on
 * h1…hN, planned to `image` and applied. `wrap` lets a test put a fault
 * into one host's verbs.
 */
import type { DockerHost } from "../../reconciler/docker/types.ts";
import type { RolloutPolicy } from "../../reconciler/model/fleet.ts";
import type { PodSpec } from "../../reconciler/model/pod.ts";
import { diffFleet } from "../../reconciler/plan/diff.ts";
import { applyPlan } from "../../reconciler/rollout/apply-plan.ts";
import type { ApplyResult } from "../../reconciler/rollout/events.ts";
import { container, pod, rollout, service } from "../unit/plan/mock.ts";
import { FakeFleet, fakeClock } from "./fake-host.ts";

export const V1 = "app:v1";

/** A `wrap` for `roll`: the host named `host` refuses every launch, as an engine that cannot create containers would. */
export function launchRefusedOn(host: string): (name: string, h: DockerHost) => DockerHost {
  return (name, h) =>
    name === host
      ? (Object.assign(Object.create(h) as DockerHost, {
          launchPod: async () => {
            throw new Error(`${host} refuses to launch`);
          },
        }) as DockerHost)
      : h;
}

export interface RollOptions {
  readonly replicas?: number;
  readonly image: string;
  readonly pod?: Partial<PodSpec>;
  readonly rollout?: Partial<RolloutPolicy>;
  readonly setup?: (f: FakeFleet) => void;
  readonly wrap?: (name: string, h: DockerHost) => DockerHost;
}

export async function roll(opts: RollOptions): Promise<{ fleet: FakeFleet; result: ApplyResult }> {
  const replicas = opts.replicas ?? 3;
  const fleet = new FakeFleet();
  opts.setup?.(fleet);
  const names = Array.from({ length: replicas }, (_, i) => `h${i + 1}`);
  names.forEach((h, i) => fleet.seed(h, `old${i}`, "web", i, V1, `hash-${V1}`));
  const hosts = new Map(names.map((n) => [n, opts.wrap ? opts.wrap(n, fleet.host(n)) : fleet.host(n)]));
  const observed = (await Promise.all([...hosts.values()].map((h) => h.observe("o")))).flat();
  const plan = diffFleet({
    owner: "o",
    commit: "c2",
    now: 0,
    services: [service({ replicas, pod: pod({ specHash: `hash-${opts.image}`, containers: [container({ image: opts.image })], ...opts.pod }), rollout: rollout(opts.rollout) })],
    placements: names.map((host, slot) => ({ group: "web", slot, host })),
    unplaced: [],
    hosts: names.map((name) => ({ name, state: "ready" as const })),
    observed,
  });
  let n = 0;
  const result = await applyPlan(plan, { hosts, clock: fakeClock(), prober: { http: async () => true, tcp: async () => true }, newPodId: () => `new${n++}`, secrets: () => ({}) });
  return { fleet, result };
}
