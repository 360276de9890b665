/** Figures as reasons print them. */

/** Bytes as a short human figure for explanations: `2Gi`, `512Mi`, `900B`. */
export function formatMemory(bytes: number): string {
  if (bytes >= 2 ** 30 && bytes % 2 ** 30 === 0) return `${bytes / 2 ** 30}Gi`;
  if (bytes >= 2 ** 20) return `${Math.round((bytes / 2 ** 20) * 10) / 10}Mi`;
  return `${bytes}B`;
}

/** Millicores as cores: `0.25`, `2`. */
export function formatCores(milli: number): string {
  return String(Math.round(milli) / 1000);
}
