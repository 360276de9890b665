/**
 * Logs as JSON lines (pino), or readable text when stderr is a terminal.
 */
import pino, { type Logger } from "pino";

export type { Logger };

/**
 * `color`: colour the readable text; the CLI decides it with `useColor(process.stderr)`
 * (cli/use-color.ts), the one rule for colour, so the loop does not depend on the CLI. Default: none.
 */
export function createLogger(opts: { level?: string; pretty?: boolean; color?: boolean } = {}): Logger {
  const pretty = opts.pretty ?? Boolean(process.stderr.isTTY);
  return pino(
    { level: opts.level ?? process.env.BERTH_LOG_LEVEL ?? "info", base: { name: "berth" } },
    pretty ? pino.transport({ target: "pino-pretty", options: { destination: 2, colorize: opts.color ?? false } }) : pino.destination(2),
  );
}
