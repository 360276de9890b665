/**
 * Quantities as users write them (`500ms`, `64Mi`, `0.5`) and as the rest of
 * berth uses them (milliseconds, bytes, cores). They are parsed once, in the
 * loader, so no later stage ever sees a unit suffix.
 */
import { BerthError } from "./berth-error.ts";

/** Milliseconds per duration unit. */
const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Bytes per memory unit; binary (`Ki`) and decimal (`K`) forms, bare numbers are bytes. */
const MEMORY_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  K: 1e3, M: 1e6, G: 1e9, T: 1e12,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
};

const DURATION_PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/gy;
const MEMORY = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/;

/** Thrown when a quantity does not have the expected form; the schema normally catches this first. */
export class QuantityError extends BerthError {
  readonly code = "quantity-unreadable";
  readonly reaction = "stalled";
  constructor(readonly data: { kind: "duration" | "memory"; value: string }) {
    super(`Cannot read ${JSON.stringify(data.value)} as a ${data.kind}`);
    this.name = "QuantityError";
  }
}

/**
 * Parses a duration such as `500ms`, `10s`, `2m` or `1h30m` into milliseconds.
 * @example parseDuration("1m30s") // 90000
 */
export function parseDuration(text: string): number {
  let total = 0;
  DURATION_PART.lastIndex = 0;
  let consumed = 0;
  for (let m = DURATION_PART.exec(text); m !== null; m = DURATION_PART.exec(text)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] ?? ""] ?? Number.NaN);
    consumed = DURATION_PART.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length || !Number.isFinite(total)) {
    throw new QuantityError({ kind: "duration", value: text });
  }
  return Math.round(total);
}

/**
 * Parses a memory size such as `64Mi`, `1Gi` or `500M` into bytes.
 * @example parseMemory("64Mi") // 67108864
 */
export function parseMemory(text: string): number {
  const m = MEMORY.exec(text);
  if (m === null) throw new QuantityError({ kind: "memory", value: text });
  return Math.round(Number(m[1]) * (MEMORY_UNITS[m[2] ?? ""] ?? Number.NaN));
}
