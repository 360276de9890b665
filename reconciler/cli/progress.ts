/**
 * Progress of an apply: on a terminal, a live frame redrawn in place
 * (terminal-progress.ts, loaded only then); elsewhere (CI logs, pipes), one
 * line per event; with --json, one JSON object per event.
 */
import type { RolloutEvent } from "../rollout/events.ts";

export function formatEvent(e: RolloutEvent): string {
  const where = [e.host, e.slot !== undefined ? `slot ${e.slot}` : undefined].filter(Boolean).join(" ");
  return `${new Date(e.at).toISOString()} ${e.service}${where ? ` [${where}]` : ""} ${e.phase}: ${e.message}`;
}

export interface Progress {
  event(e: RolloutEvent): void;
  /** The apply ended (converged or not): a live display leaves its last frame on the screen. */
  done?(): void;
}

export function lineProgress(out: NodeJS.WritableStream): Progress {
  return { event: (e) => out.write(`${formatEvent(e)}\n`) };
}

/** For machines: one JSON object a line. */
export function jsonProgress(out: NodeJS.WritableStream): Progress {
  return { event: (e) => out.write(`${JSON.stringify({ type: "event", ...e })}\n`) };
}
