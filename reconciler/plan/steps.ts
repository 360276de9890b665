/**
 * The rollout's steps: one pure function turns a service's changes into the
 * waves `berth plan` prints and `berth apply` carries out, so the printed
 * order and the executed order cannot differ.
 *
 *   remove   first, the new pods of an interrupted rollout that never
 *            counted (berth was stopped or its leader killed before their
 *            gate passed): they serve nothing, and gone first they take no
 *            surge while their slots are replaced again
 *   pull     every image of the pod on every host that gets a new pod
 *   resize   every slot whose limits change in place, all at once: no pod
 *            stops or starts, so they take neither surge nor
 *            unavailability, and there is nothing to gate. They run before
 *            any pod is launched: a resize that fails (memory below what a
 *            container uses) then fails the rollout before anything was
 *            replaced, and limits lowered in place free the room that the
 *            scheduler counted on for the launches after them
 *   repair   creates, recreates, and replacements whose old pod has
 *            already exited, all at once: they only add ready pods
 *   replace  `maxSurge + maxUnavailable` slots a wave. A start-first slot
 *            spends surge (launch, gate, then stop the old pod); when the
 *            pod has no fixed host port, that stop runs in the background:
 *            the next wave starts as soon as it has begun (the old pod
 *            counts no longer, and holds nothing a new pod needs), and the
 *            wave after that one waits for it to end, so no more than one
 *            wave's old pods are stopping beside the surge. A slot that
 *            cannot start first spends unavailability (stop, launch, gate),
 *            and says why: a fixed host port its old pod holds, or the
 *            wave's surge budget being spent. With `maxUnavailable: 0`, a
 *            slot that must stop first still gets one token of its own, or
 *            it could never be replaced; no other slot may use it
 *   finish   the replaced pods, kept stopped for a rollback until every
 *            wave succeeded, are removed
 *   remove   scaled down, duplicates, deleted services: stop, then remove
 *
 * For a service with `expose`, a new pod joins every host's proxy once it
 * counts (`route`, after its gate), and a pod that is still serving leaves
 * every proxy before it stops (`drain`): no new connection goes to it, and
 * those under way finish before the stop.
 *
 * A failure stops the waves where they are; what apply then does to undo
 * (rollback or pause, apply-plan.ts) is not printed here, nor the early
 * stop of an interrupted rollout.
 */
import type { RolloutPolicy } from "../model/fleet.ts";
import { fixedHostPorts, type PodSpec } from "../model/pod.ts";
import type { PlanChange, RolloutStep, Track, Wave } from "./types.ts";

type Replace = Extract<PlanChange, { action: "replace" }>;

function slotList(slots: readonly number[]): string {
  return `${slots.length === 1 ? "slot" : "slots"} ${slots.join(",")}`;
}

function exited(c: Replace): boolean {
  return c.from.status.startsWith("exited");
}

/** Whether the service's pods are routed by the proxies (it has `expose`): its launches are routed and its stops drained first. */
interface Routing {
  readonly exposed: boolean;
}

/** A new pod starts, counts, and (when exposed) joins every proxy. */
function startSteps(host: string, slot: number, routing: Routing): RolloutStep[] {
  return [{ verb: "launch", host, slot }, { verb: "gate", host, slot }, ...(routing.exposed ? [{ verb: "route", host, slot } as const] : [])];
}

/** A running pod stops gracefully, after leaving every proxy when exposed. */
function stopSteps(ref: { host: string; pod: string }, slot: number, routing: Routing): RolloutStep[] {
  const stop: RolloutStep = { verb: "stop", host: ref.host, slot, pod: ref.pod };
  return routing.exposed ? [{ verb: "drain", host: ref.host, slot, pod: ref.pod }, stop] : [stop];
}

/** A pod that is still up must be stopped gracefully before it is removed. */
function retireSteps(ref: { host: string; pod: string; status: string }, slot: number, routing: Routing): RolloutStep[] {
  const remove: RolloutStep = { verb: "remove", host: ref.host, slot, pod: ref.pod };
  return ref.status.startsWith("exited") ? [remove] : [...stopSteps(ref, slot, routing), remove];
}

/**
 * How replacements share the budget. A replacement must go stop-first when
 * its old pod holds a fixed host port on the same host (the new pod could
 * not bind it), or when the service asks for stop-first. With
 * `maxUnavailable: 0` such a slot still gets one unavailability token, or it
 * could never be replaced; the plan says so through the strategy reason.
 */
function replaceWaves(replaces: readonly Replace[], rollout: RolloutPolicy, pod: PodSpec | undefined, routing: Routing): Track[][] {
  const ports = pod ? fixedHostPorts(pod) : [];
  const replaceTrack = (c: Replace, strategy: "start-first" | "stop-first", why?: string) => trackOf(c, strategy, { ...routing, portsFixed: ports.length > 0 }, why);
  const portHeld = (c: Replace) => rollout.order === "start-first" && ports.length > 0 && c.from.host === c.host;
  const mustStopFirst = (c: Replace) => rollout.order === "stop-first" || portHeld(c);
  // The token a must-stop-first slot gets when maxUnavailable is 0; only such slots may spend it.
  const forced = rollout.maxUnavailable === 0 && replaces.some(mustStopFirst) ? 1 : 0;
  const waves: Track[][] = [];
  let queue = [...replaces];
  while (queue.length > 0) {
    let surge = rollout.maxSurge;
    let down = rollout.maxUnavailable;
    let own = forced;
    const wave: Track[] = [];
    const left: Replace[] = [];
    for (const c of queue) {
      if (mustStopFirst(c)) {
        if (down > 0 || own > 0) {
          if (down > 0) down--;
          else own--;
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

/**
 * One replacement's track. Start-first, its old pod stops in the background
 * unless the pod has a fixed host port: a later wave's pod on that host
 * could not bind the port while the old pod still holds it.
 */
function trackOf(c: Replace, strategy: "start-first" | "stop-first", routing: Routing & { readonly portsFixed: boolean }, why?: string): Track {
  const stop = stopSteps(c.from, c.slot, routing);
  const start = startSteps(c.host, c.slot, routing);
  const background = (s: RolloutStep): RolloutStep => (s.verb === "stop" ? { ...s, background: true } : s);
  const steps = strategy === "start-first" ? [...start, ...(routing.portsFixed ? stop : stop.map(background))] : [...stop, ...start];
  return { slot: c.slot, host: c.host, strategy, ...(why ? { strategyReason: why } : {}), steps };
}

/**
 * The waves of one service's rollout, in order.
 * @example
 * const waves = planSteps(changes, rollout, pod);
 * // [{ kind: "pull", … }, { kind: "replace", tracks: [{ slot: 0, strategy: "start-first", steps: [launch, gate, stop] }] }, { kind: "finish", … }]
 */
export function planSteps(changes: readonly PlanChange[], rollout: RolloutPolicy | undefined, pod: PodSpec | undefined, routing: Routing = { exposed: false }): Wave[] {
  const waves: Wave[] = [];
  const add = (kind: Wave["kind"], tracks: Track[], summary: string) => {
    if (tracks.length === 0) return;
    const slots = [...new Set(tracks.flatMap((t) => (t.slot === undefined ? [] : [t.slot])))];
    waves.push({ index: waves.length + 1, kind, slots, summary, tracks });
  };
  const unfinished = changes.filter((c): c is Extract<PlanChange, { action: "remove" }> => c.action === "remove" && c.unfinished === true);
  add(
    "remove",
    unfinished.map((c) => ({ slot: c.slot, host: c.from.host, steps: retireSteps(c.from, c.slot, routing) })),
    `remove the unfinished new pods of ${slotList([...new Set(unfinished.map((c) => c.slot))])} first`,
  );

  if (pod && rollout) {
    const targets = [...new Set(changes.flatMap((c) => (c.action === "create" || c.action === "recreate" || c.action === "replace" ? [c.host] : [])))].sort();
    const images = [...new Set(pod.containers.map((c) => c.image))];
    add(
      "pull",
      targets.map((host) => ({ host, steps: images.map((image): RolloutStep => ({ verb: "pull", host, image })) })),
      `pull ${images.join(", ")} on ${targets.join(", ")}`,
    );

    const resizes = changes.filter((c): c is Extract<PlanChange, { action: "resize" }> => c.action === "resize");
    add(
      "resize",
      resizes.map((c) => ({ slot: c.slot, host: c.host, steps: [{ verb: "resize", host: c.host, slot: c.slot, pod: c.from.pod, resources: c.resources }] })),
      `resize ${slotList(resizes.map((c) => c.slot))} in place`,
    );

    // A replacement whose old pod has exited takes nothing from the service: it is a repair, the old pod removed first.
    const allReplaces = changes.filter((c): c is Replace => c.action === "replace");
    const repairs = [...changes.filter((c) => c.action === "create" || c.action === "recreate"), ...allReplaces.filter(exited)].sort((a, b) => a.slot - b.slot);
    const repairTracks = repairs.map((c): Track => {
      const start = startSteps(c.host, c.slot, routing);
      return { slot: c.slot, host: c.host, steps: c.action === "create" ? start : [{ verb: "remove", host: c.from.host, slot: c.slot, pod: c.from.pod }, ...start] };
    });
    const kind = (a: PlanChange["action"]) => repairs.filter((c) => c.action === a).map((c) => c.slot);
    const words = [
      kind("recreate").length ? `recreate ${slotList(kind("recreate"))}` : "",
      kind("replace").length ? `replace the exited pods of ${slotList(kind("replace"))}` : "",
      kind("create").length ? `create ${slotList(kind("create"))}` : "",
    ];
    add("repair", repairTracks, words.filter(Boolean).join(", "));

    const replaces = allReplaces.filter((c) => !exited(c));
    for (const tracks of replaceWaves(replaces, rollout, pod, routing)) {
      const orders = [...new Set(tracks.map((t) => t.strategy))].join("/");
      add("replace", tracks, `replace ${slotList(tracks.map((t) => t.slot!))} (${orders})`);
    }
    add(
      "finish",
      replaces.map((c) => ({ slot: c.slot, host: c.from.host, steps: [{ verb: "remove", host: c.from.host, slot: c.slot, pod: c.from.pod }] })),
      `remove the replaced pods of ${slotList(replaces.map((c) => c.slot))}`,
    );
  }

  const removes = changes.filter((c): c is Extract<PlanChange, { action: "remove" }> => c.action === "remove" && !c.unfinished);
  add(
    "remove",
    removes.map((c) => ({ slot: c.slot, host: c.from.host, steps: retireSteps(c.from, c.slot, routing) })),
    `remove ${slotList([...new Set(removes.map((c) => c.slot))])}`,
  );
  return waves;
}

/** The replace track of each slot, by slot, from the waves: the strategy it really gets. */
export function strategies(waves: readonly Wave[]): Map<number, Track> {
  const out = new Map<number, Track>();
  for (const w of waves) if (w.kind === "replace") for (const t of w.tracks) if (t.slot !== undefined) out.set(t.slot, t);
  return out;
}
