/**
 * Compose's durations, memory sizes and CPU counts in berth's notation.
 * Compose durations are Go's (`1m30s`, `1.5s`, `300ms`, `10us`); memory is
 * Docker's (`512m`, `1g`, `1gb`, bytes), where `m` means MiB; berth writes
 * `Mi`, `Gi` for powers of 1024.
 */

const BERTH_DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;

/** A berth duration for a Compose one, or undefined when it is not one. */
export function duration(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return `${value}s`;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (BERTH_DURATION.test(text)) return text;
  // Microseconds and nanoseconds: berth counts in milliseconds, so round up to one.
  const m = /^([0-9]+(?:\.[0-9]+)?)(us|µs|ns)$/.exec(text);
  if (m) return `${Math.max(1, Math.ceil(Number(m[1]) / (m[2] === "ns" ? 1e6 : 1e3)))}ms`;
  if (/^[0-9]+$/.test(text)) return `${text}s`;
  return undefined;
}

const MEMORY_UNITS: Readonly<Record<string, string>> = { "": "", b: "", k: "Ki", kb: "Ki", m: "Mi", mb: "Mi", g: "Gi", gb: "Gi", t: "Ti", tb: "Ti" };

/** A berth memory size for a Compose one (`512m` → `512Mi`), or undefined when it is not one. */
export function memory(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return String(Math.round(value));
  if (typeof value !== "string") return undefined;
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)$/.exec(value.trim());
  if (m === null) return undefined;
  const unit = MEMORY_UNITS[(m[2] ?? "").toLowerCase()];
  return unit === undefined ? undefined : `${m[1]}${unit}`;
}

/** Decimal cores for a Compose `cpus` value, or undefined when it is not a positive number of at most 1024. */
export function cpus(value: unknown): number | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  return Number.isFinite(n) && n > 0 && n <= 1024 ? n : undefined;
}

/** A whole number from a Compose value that may be an interpolated string (`replicas: ${N}`). */
export function integer(value: unknown): number | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) ? n : undefined;
}

/** true / false from a Compose value that may be a string. */
export function boolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  return undefined;
}
