/**
 * The rollout's steps: one pure function turns a service's changes into the
 * waves `berth plan` prints and `berth apply` carries out, so the printed
 * order and the executed order cannot differ.
 *
 *   pull     every image of the pod on every host that gets a new pod
 *   repair   creates and recreates, all at once: they only add ready pods
 *   replace  `maxSurge + maxUnavailable` slots a wave. A start-first slot
 *            spends surge (launch, gate, then stop the old pod); a slot that
 *            cannot start first spends unavailability (stop, launch, gate),
 *            and says why: a fixed host port its old pod holds, or the
 *            wave's surge budget being spent
 *   finish   the replaced pods, kept stopped for a rollback until every
 *            wave succeeded, are removed
 *   remove   scaled down, duplicates, deleted services: stop, then remove
 *
 * A failure stops the waves where they are; the rollback (apply-plan.ts)
 * is the only thing apply does that is not printed here.
 */
import type { RolloutPolicy } from "../model/fleet.ts";
import type { PodSpec } from "../model/pod.ts";
import type { PlanChange, RolloutStep, Track, Wave } from "./types.ts";

type Replace = Extract<PlanChange, { action: "replace" }>;

function slotList(slots: readonly number[]): string {
  return `slot${slots.length === 1 ? "" : "s"} ${slots.join(",")}`;
}

function fixedHostPorts(pod: PodSpec | undefined): number[] {
  return (pod?.ports ?? []).filter((p) => p.hostPort !== undefined).map((p) => p.hostPort!);
}

/** A pod that is still up must be stopped gracefully before it is removed. */
function retireSteps(ref: { host: string; pod: string; status: string }, slot: number): RolloutStep[] {
  const remove: RolloutStep = { verb: "remove", host: ref.host, slot, pod: ref.pod };
  return ref.status.startsWith("exited") ? [remove] : [{ verb: "stop", host: ref.host, slot, pod: ref.pod }, remove];
}

/**
 * How replacements share the budget. A replacement must go stop-first when
 * its old pod holds a fixed host port on the same host (the new pod could
 * not bind it), or when the service asks for stop-first. With
 * `maxUnavailable: 0` such a slot still gets one unavailability token, or it
 * could never be replaced; the plan says so through the strategy reason.
 */
function replaceWaves(replaces: readonly Replace[], rollout: RolloutPolicy, pod: PodSpec | undefined): Track[][] {
  const ports = fixedHostPorts(pod);
  const portHeld = (c: Replace) => rollout.order === "start-first" && ports.length > 0 && c.from.host === c.host && !c.from.status.startsWith("exited");
  const mustStopFirst = (c: Replace) => rollout.order === "stop-first" || portHeld(c);
  const unavailable = Math.max(rollout.maxUnavailable, replaces.some(mustStopFirst) ? 1 : 0);
  const waves: Track[][] = [];
  let queue = [...replaces];
  while (queue.length > 0) {
    let surge = rollout.maxSurge;
    let down = unavailable;
    const wave: Track[] = [];
    const left: Replace[] = [];
    for (const c of queue) {
      if (mustStopFirst(c)) {
        if (down > 0) {
          down--;
          wave.push(replaceTrack(c, "stop-first", portHeld(c) ? `host port ${ports.join(", ")} is held by the old pod on ${c.host}` : undefined));
        } else left.push(c);
      } else if (surge > 0) {
        surge--;
        wave.push(replaceTrack(c, "start-first"));
      } else if (down > 0) {
        down--;
        wave.push(replaceTrack(c, "stop-first", `the wave's surge budget (maxSurge ${rollout.maxSurge}) is spent, and maxUnavailable ${rollout.maxUnavailable} lets the slot go down`));
      } else left.push(c);
    }
    // Cannot happen with a valid policy (the loader refuses maxSurge 0 with
    // maxUnavailable 0), but an endless loop would be worse than a slow wave.
    if (wave.length === 0) wave.push(replaceTrack(left.shift()!, "stop-first", "neither surge nor unavailability is allowed"));
    waves.push(wave);
    queue = left;
  }
  return waves;
}

function replaceTrack(c: Replace, strategy: "start-first" | "stop-first", why?: string): Track {
  const stop: RolloutStep = { verb: "stop", host: c.from.host, slot: c.slot, pod: c.from.pod };
  const start: RolloutStep[] = [
    { verb: "launch", host: c.host, slot: c.slot },
    { verb: "gate", host: c.host, slot: c.slot },
  ];
  // An old pod that has already exited needs no stop; it is removed when the service has converged.
  const steps = c.from.status.startsWith("exited") ? start : strategy === "start-first" ? [...start, stop] : [stop, ...start];
  return { slot: c.slot, host: c.host, strategy, ...(why ? { strategyReason: why } : {}), steps };
}

/**
 * The waves of one service's rollout, in order.
 * @example
 * const waves = planSteps(changes, rollout, pod);
 * // [{ kind: "pull", … }, { kind: "replace", tracks: [{ slot: 0, strategy: "start-first", steps: [launch, gate, stop] }] }, { kind: "finish", … }]
 */
export function planSteps(changes: readonly PlanChange[], rollout: RolloutPolicy | undefined, pod: PodSpec | undefined): Wave[] {
  const waves: Wave[] = [];
  const add = (kind: Wave["kind"], tracks: Track[], summary: string) => {
    if (tracks.length === 0) return;
    const slots = [...new Set(tracks.flatMap((t) => (t.slot === undefined ? [] : [t.slot])))];
    waves.push({ index: waves.length + 1, kind, slots, summary, tracks });
  };

  if (pod && rollout) {
    const targets = [...new Set(changes.flatMap((c) => (c.action === "create" || c.action === "recreate" || c.action === "replace" ? [c.host] : [])))].sort();
    const images = [...new Set(pod.containers.map((c) => c.image))];
    add(
      "pull",
      targets.map((host) => ({ host, steps: images.map((image): RolloutStep => ({ verb: "pull", host, image })) })),
      `pull ${images.join(", ")} on ${targets.join(", ")}`,
    );

    const repairs = changes.filter((c) => c.action === "create" || c.action === "recreate");
    const repairTracks = repairs.map((c): Track => {
      const start: RolloutStep[] = [
        { verb: "launch", host: c.host, slot: c.slot },
        { verb: "gate", host: c.host, slot: c.slot },
      ];
      return { slot: c.slot, host: c.host, steps: c.action === "recreate" ? [{ verb: "remove", host: c.from.host, slot: c.slot, pod: c.from.pod }, ...start] : start };
    });
    const recreated = repairs.filter((c) => c.action === "recreate").map((c) => c.slot);
    const created = repairs.filter((c) => c.action === "create").map((c) => c.slot);
    add("repair", repairTracks, [recreated.length ? `recreate ${slotList(recreated)}` : "", created.length ? `create ${slotList(created)}` : ""].filter(Boolean).join(", "));

    const replaces = changes.filter((c): c is Replace => c.action === "replace");
    for (const tracks of replaceWaves(replaces, rollout, pod)) {
      const orders = [...new Set(tracks.map((t) => t.strategy))].join("/");
      add("replace", tracks, `replace ${slotList(tracks.map((t) => t.slot!))} (${orders})`);
    }
    add(
      "finish",
      replaces.map((c) => ({ slot: c.slot, host: c.from.host, steps: [{ verb: "remove", host: c.from.host, slot: c.slot, pod: c.from.pod }] })),
      `remove the replaced pods of ${slotList(replaces.map((c) => c.slot))}`,
    );
  }

  const removes = changes.filter((c): c is Extract<PlanChange, { action: "remove" }> => c.action === "remove");
  add(
    "remove",
    removes.map((c) => ({ slot: c.slot, host: c.from.host, steps: retireSteps(c.from, c.slot) })),
    `remove ${slotList([...new Set(removes.map((c) => c.slot))])}`,
  );
  return waves;
}

/** The strategy each replaced slot really gets, by slot, from the waves. */
export function strategies(waves: readonly Wave[]): Map<number, Track> {
  const out = new Map<number, Track>();
  for (const w of waves) if (w.kind === "replace") for (const t of w.tracks) if (t.slot !== undefined) out.set(t.slot, t);
  return out;
}
