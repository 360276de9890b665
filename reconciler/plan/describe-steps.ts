/**
 * The rollout's steps in words, for the text and Markdown printers. They
 * print the waves that `berth apply` carries out (plan/steps.ts), never an
 * order of their own.
 */
import { formatBytes } from "./spec-changes.ts";
import type { RolloutStep, Track, Wave } from "./types.ts";

/** How a printer shows names (hosts, pods, images) and plain words: as is, or as Markdown. */
export interface Words {
  readonly name: (s: string) => string;
  readonly text: (s: string) => string;
}

const PLAIN: Words = { name: (s) => s, text: (s) => s };

/** `pull 127.0.0.1:5000/berth/app:v2`, `launch`, `gate`, `route on every proxy`, `drain pod p-1 on every proxy`, `stop pod p-1`, `stop pod p-1 on h3` (when not on the track's host), `stop pod p-1 in the background` (the next wave does not wait for it), `resize pod p-1 to main cpu 0.5, memory 128Mi`. */
export function describeStep(step: RolloutStep, track: Track, words: Words = PLAIN): string {
  const where = step.host === track.host ? "" : ` on ${words.name(step.host)}`;
  switch (step.verb) {
    case "pull":
      return `pull ${words.name(step.image ?? "?")}${where}`;
    case "launch":
    case "gate":
      return `${step.verb}${where}`;
    case "route":
      return `route on every proxy${where}`;
    case "drain":
      return `drain pod ${words.name(step.pod ?? "?")}${where} on every proxy`;
    case "stop":
      return `stop pod ${words.name(step.pod ?? "?")}${where}${step.background ? " in the background" : ""}`;
    case "remove":
      return `remove pod ${words.name(step.pod ?? "?")}${where}`;
    case "resize":
      return `resize pod ${words.name(step.pod ?? "?")}${where} to ${(step.resources ?? []).map((r) => `${r.container} cpu ${r.cpu}, memory ${formatBytes(r.memoryBytes)}`).join("; ")}`;
  }
}

/**
 * One track on one line: who, the strategy (and why, when it differs from
 * the service's order), then the steps in order.
 * @example
 * describeTrack(track)
 * // "slot 1 on h2, stop-first (host port 8080 is held by the old pod on h2): stop pod p-2, launch, gate"
 */
export function describeTrack(track: Track, words: Words = PLAIN): string {
  const who = track.slot === undefined ? words.name(track.host) : `slot ${track.slot} on ${words.name(track.host)}`;
  const strategy = track.strategy ? `, ${track.strategy}${track.strategyReason ? ` (${words.text(track.strategyReason)})` : ""}` : "";
  return `${who}${strategy}: ${track.steps.map((s) => describeStep(s, track, words)).join(", ")}`;
}

/** Whether any track of these waves stops a pod in the background. */
export function stopsInBackground(waves: readonly Wave[]): boolean {
  return waves.some((w) => w.tracks.some((t) => t.steps.some((s) => s.background)));
}

/** What a stop in the background means, for the printers' rollout legend. */
export const BACKGROUND_STOP = "a stop in the background lets the next wave start as soon as it has begun; the wave after that one waits for it to end, and the replaced pods are removed once every stop has ended";

/** `wave 2 (replace)`; a wave saved by an older berth has no tracks, only its summary: `wave 2: replace slots 0,1 (start-first)`. */
export function waveTitle(wave: Wave, words: Words = PLAIN): string {
  return wave.tracks.length > 0 ? `wave ${wave.index} (${wave.kind})` : `wave ${wave.index}: ${words.text(wave.summary)}`;
}
