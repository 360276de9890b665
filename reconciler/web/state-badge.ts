/**
 * A state as a badge: its word always printed, its colour from how it
 * reads (ok, busy, warn, bad), so no state is told by colour alone.
 */
import { escapeHtml } from "./escape-html.ts";

export type Tone = "ok" | "busy" | "warn" | "bad" | "idle";

/** The tone of each word berth uses for a state or result; a word not listed is `idle`. */
const TONES: Readonly<Record<string, Tone>> = {
  healthy: "ok",
  converged: "ok",
  "in-sync": "ok",
  up: "ok",
  ready: "ok",
  running: "ok",
  leader: "ok",
  follower: "idle",
  serving: "ok",
  routed: "ok",
  done: "ok",
  succeeded: "ok",
  progressing: "busy",
  launching: "busy",
  queued: "idle",
  starting: "busy",
  draining: "busy",
  stopping: "busy",
  removed: "idle",
  resized: "ok",
  degraded: "warn",
  waiting: "warn",
  interrupted: "warn",
  drained: "warn",
  paused: "warn",
  "not-ready": "warn",
  unhealthy: "bad",
  down: "bad",
  unreachable: "bad",
  failed: "bad",
  "rolled-back": "bad",
  invalid: "bad",
  refused: "bad",
  held: "bad",
  unplaced: "warn",
  replaced: "idle",
};

export function toneOf(word: string): Tone {
  return TONES[word] ?? (word.startsWith("exited") ? "bad" : "idle");
}

/** `<span class="badge warn">degraded</span>`; `tone` overrides the word's own. */
export function badge(word: string, tone: Tone = toneOf(word)): string {
  return `<span class="badge ${tone}">${escapeHtml(word)}</span>`;
}
