/**
 * Who may write to the engines for one owner (DESIGN §8). Without `--lock`
 * the one process that holds the state folder's local lock always leads;
 * with `--lock etcd://…` instances elect one leader through an etcd lease
 * (etcd-election.ts). Every write goes through `fence()` first
 * (fenced-host.ts), so an instance that lost its lease stops before its
 * next write rather than at its next pass.
 */

/** What /status says about leadership. */
export interface LeaderState {
  /** True while this instance may write. */
  readonly leader: boolean;
  /** This instance's name (`--instance`, default `hostname:pid`). */
  readonly instance: string;
  /** `local` (the state folder's lock) or the `--lock` address. */
  readonly lock: string;
  /** Who leads, when known: this instance or another. */
  readonly holder?: string;
  /** Since when `holder` leads (ISO). */
  readonly since?: string;
  /** Why this instance does not lead, when it does not (etcd unreachable, another leads). */
  readonly reason?: string;
}

export interface Leadership {
  state(): LeaderState;
  /** Called on every change of `state().leader`, and when the holder changes. */
  onChange(listener: (state: LeaderState) => void): void;
  /** Resolves when this instance still leads; throws LeaseLostError when it does not. Called before every write. */
  fence(): Promise<void>;
  /** Stops campaigning, and gives the lease up when leading so that another instance takes over at once. */
  close(): Promise<void>;
}

/** The leadership of an instance alone with its state folder (no `--lock`): it always leads. */
export function soleLeadership(instance: string, since: Date): Leadership {
  const state: LeaderState = { leader: true, instance, lock: "local", holder: instance, since: since.toISOString() };
  return {
    state: () => state,
    onChange: () => undefined,
    fence: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
