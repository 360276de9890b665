/**
 * Logs as JSON lines (pino), or readable text when stderr is a terminal.
 */
import pino, { type Logger } from "pino";

export type { Logger };

export function createLogger(opts: { level?: string; pretty?: boolean } = {}): Logger {
  const pretty = opts.pretty ?? Boolean(process.stderr.isTTY);
  return pino(
    { level: opts.level ?? process.env.BERTH_LOG_LEVEL ?? "info", base: { name: "berth" } },
    pretty ? pino.transport({ target: "pino-pretty", options: { destination: 2, colorize: !process.env.NO_COLOR } }) : pino.destination(2),
  );
}
