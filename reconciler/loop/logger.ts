/**
 * Logs as JSON lines (pino), or readable text when stderr is a terminal.
 * A JSON line names its level (`"level":"info"`) and carries an ISO-8601
 * UTC time (`"time":"2026-12-02T20:15:00.123Z"`), as log shippers and
 * `jq` readers expect, rather than pino's numbers and epoch milliseconds.
 */
import type { Writable } from "node:stream";
import pino, { type Logger, type LoggerOptions } from "pino";

export type { Logger };

/** What every berth logger writes: level names and ISO times. */
function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { name: "berth" },
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

/**
 * pino-pretty's options for the readable text (it reads level names and ISO
 * times as well as numbers): the time of day on this machine's clock, as a
 * person at the terminal reads it.
 */
export const PRETTY_OPTIONS = { translateTime: "SYS:HH:MM:ss.l" } as const;

/**
 * `color`: colour the readable text; the CLI decides it with `useColor(process.stderr)`
 * (cli/use-color.ts), the one rule for colour, so the loop does not depend on the CLI. Default: none.
 * `destination`: where JSON lines go instead of stderr (tests).
 */
export function createLogger(opts: { level?: string; pretty?: boolean; color?: boolean; destination?: Writable } = {}): Logger {
  const pretty = opts.pretty ?? (opts.destination === undefined && Boolean(process.stderr.isTTY));
  const options = loggerOptions(opts.level ?? process.env.BERTH_LOG_LEVEL ?? "info");
  if (pretty) return pino(options, pino.transport({ target: "pino-pretty", options: { ...PRETTY_OPTIONS, destination: 2, colorize: opts.color ?? false } }));
  return pino(options, opts.destination ?? pino.destination(2));
}
