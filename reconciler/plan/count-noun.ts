/**
 * A count with its noun in the right number, so no printed line says
 * "1 replicas" or "2 host(s)".
 * @example
 * countNoun(1, "replica") // "1 replica"
 * countNoun(2, "replica") // "2 replicas"
 */
export function countNoun(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
