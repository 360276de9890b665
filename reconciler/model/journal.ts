/**
 * One deployment attempt, as the journal keeps it for `berth history`, the
 * status and the fleet view: in the state folder (record/journal-file.ts)
 * or, with `--lock`, in etcd (lease/etcd-store.ts).
 */
export interface JournalEntry {
  /** ISO time the attempt ended. */
  readonly at: string;
  readonly owner: string;
  readonly commit: string;
  readonly author?: string;
  readonly message?: string;
  /** ISO time of the commit. */
  readonly committedAt?: string;
  /** What started it: `poll`, `watch`, `webhook`, `event`, `resync`, `start`, `retry` (a look again berth asked for). */
  readonly trigger: string;
  /** `waiting`: not the commit's fault (a host lost, the registry down); not held, looked at again with backoff. */
  readonly result: "converged" | "in-sync" | "failed" | "rolled-back" | "paused" | "invalid" | "interrupted" | "refused" | "waiting" | "scaled";
  /** Each service's result; `code` is its error's (model/berth-error.ts) when it did not converge. */
  readonly services: readonly { readonly name: string; readonly result: string; readonly reason?: string; readonly code?: string }[];
  readonly reason?: string;
  readonly ms: number;
}
