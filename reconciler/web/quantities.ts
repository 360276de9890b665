/** cpu and memory as the hosts table prints them. */

/**
 * @example
 * cpuText(0.75) // "0.75"
 */
export function cpuText(cpu: number): string {
  return String(Math.round(cpu * 100) / 100);
}

/**
 * Bytes in binary units, one decimal past MiB.
 * @example
 * memoryText(64 * 1024 * 1024) // "64 MiB"
 * memoryText(8 * 1024 ** 3 - 1) // "8.0 GiB"
 */
export function memoryText(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KiB`;
  if (bytes < 1024 ** 3) return `${Math.round(bytes / 1024 ** 2)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}
