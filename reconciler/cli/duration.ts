/** Reads `--interval 15s` style durations with the model's own parser. */
import { parseDuration } from "../model/quantity.ts";

export function durationOption(name: string, value: unknown): number {
  try {
    const ms = parseDuration(String(value));
    if (ms > 0) return ms;
  } catch {
    // reported below
  }
  throw new Error(`--${name} "${String(value)}" is not a duration like 500ms, 15s or 5m`);
}
