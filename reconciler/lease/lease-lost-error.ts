import { BerthError } from "../model/berth-error.ts";

/**
 * This instance no longer leads its owner (its etcd lease expired, was
 * taken, or etcd cannot be asked): it makes no further write. Not the
 * commit's fault (`retry`): the leader that follows picks the work up from
 * what the engines show.
 */
export class LeaseLostError extends BerthError {
  readonly code = "lease-lost";
  readonly reaction = "retry" as const;
  constructor(readonly data: { readonly lock: string; readonly instance: string; readonly cause: string }) {
    super(`${data.instance} no longer leads (${data.lock}): ${data.cause}; it makes no further write`);
    this.name = "LeaseLostError";
  }
}
