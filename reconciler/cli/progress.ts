/**
 * Progress of an apply: on a terminal, one live line per host (redrawn in
 * place); elsewhere (CI logs, pipes), one line per event.
 */
import { styleText } from "node:util";
import type { RolloutEvent } from "../rollout/events.ts";

export function formatEvent(e: RolloutEvent): string {
  const where = [e.host, e.slot !== undefined ? `slot ${e.slot}` : undefined].filter(Boolean).join(" ");
  return `${new Date(e.at).toISOString()} ${e.service}${where ? ` [${where}]` : ""} ${e.phase}: ${e.message}`;
}

export interface Progress {
  event(e: RolloutEvent): void;
}

export function lineProgress(out: NodeJS.WritableStream): Progress {
  return { event: (e) => out.write(`${formatEvent(e)}\n`) };
}

/** For machines: one JSON object a line. */
export function jsonProgress(out: NodeJS.WritableStream): Progress {
  return { event: (e) => out.write(`${JSON.stringify({ type: "event", ...e })}\n`) };
}

export function terminalProgress(out: NodeJS.WriteStream, color: boolean): Progress {
  const hosts = new Map<string, string>();
  const failures: string[] = [];
  let drawn = 0;
  // The caller decided with useColor, so styleText must not decide again from process.stdout and its own reading of NO_COLOR.
  const paint = (style: Parameters<typeof styleText>[0], s: string) => (color ? styleText(style, s, { validateStream: false }) : s);
  const draw = () => {
    if (drawn > 0) out.write(`\x1b[${drawn}A`);
    const lines = [...[...hosts].sort(([a], [b]) => a.localeCompare(b)).map(([h, s]) => `${paint("bold", h.padEnd(12))} ${s}`), ...failures];
    for (const l of lines) out.write(`\x1b[2K${l.slice(0, (out.columns || 120) - 1)}\n`);
    drawn = lines.length;
  };
  return {
    event: (e) => {
      const text = `${e.service}${e.slot !== undefined ? `/${e.slot}` : ""} ${e.phase}: ${e.message}`;
      if (e.phase === "failed" || e.phase === "rollback") failures.push(paint("red", `${e.host ?? e.service}: ${text}`));
      if (e.host) hosts.set(e.host, e.phase === "ready" || e.phase === "resize" || e.phase === "done" ? paint("green", text) : text);
      draw();
    },
  };
}
