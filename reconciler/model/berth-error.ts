/**
 * The one base of berth's errors. Each carries a stable kebab-case `code`
 * (the same spelling as diagnostics' codes), structured `data`, and the
 * loop's `reaction` to it (STYLE.md point 7; Flux's stalled/waiting):
 *
 *   stalled  only a new commit or a human can fix it: the commit is held,
 *            the fleet stays at the last good one (a missing image tag, a
 *            pod that never turns healthy, a secret the operator forbids)
 *   retry    the world is at fault, not the commit: nothing is held, berth
 *            looks again with backoff (a host that does not answer, a
 *            registry outage, a git remote that is down)
 *   bug      berth itself failed; reported, held like `stalled`, and worth
 *            an issue
 *
 * The loop decides hold, retry or rollback from `reaction` alone.
 */
export type Reaction = "stalled" | "retry" | "bug";

/** What a result or status carries of an error: plain, JSON-serialisable data. */
export interface ErrorInfo {
  readonly code: string;
  readonly reaction: Reaction;
  readonly message: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export abstract class BerthError extends Error {
  abstract readonly code: string;
  abstract readonly reaction: Reaction;
  abstract readonly data: Readonly<Record<string, unknown>>;

  toJSON(): ErrorInfo {
    return { code: this.code, reaction: this.reaction, message: this.message, data: this.data };
  }
}

/** The code berth gives anything thrown that is not a BerthError: a bug by definition. */
export const INTERNAL_ERROR = "internal-error";

/**
 * An error as data. A BerthError gives its own code and reaction; anything
 * else is a bug (`internal-error`) with its message. `mask` hides secret
 * values in the message (the caller's, e.g. rollout/mask-secrets.ts).
 *
 * @example errorInfo(new HostUnreachableError({...})).reaction // "retry"
 */
export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof BerthError) return err.toJSON();
  return { code: INTERNAL_ERROR, reaction: "bug", message: err instanceof Error ? err.message : String(err), data: {} };
}
