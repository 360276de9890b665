/**
 * The operator's configuration (DESIGN §2, "Who decides what"): what a
 * repository may ask for, set outside the repository. The committer's
 * Policy can only narrow it.
 */

/** How long a host in git may stay out of sight before its slots are placed elsewhere (DESIGN §7), unless the operator says otherwise. */
export const DEFAULT_HOST_LOST_AFTER_MS = 5 * 60_000;
export interface OperatorConfig {
  /** The file it was read from; absent for the defaults. */
  readonly file?: string;
  readonly secrets: {
    /** Absolute folder a `fromFile` must resolve inside. */
    readonly dir: string;
    /** Names `fromEnv` may read; an entry ending in `*` is a prefix. */
    readonly env: readonly string[];
  };
  /** The most a repository Policy may allow. */
  readonly ceiling: {
    readonly privileged: boolean;
    readonly hostNetwork: boolean;
    readonly hostPaths: readonly string[];
    /** Absent: any registry. */
    readonly registries?: readonly string[];
  };
  /** Addresses a plain-TCP engine may have: IPv4 CIDRs, IPs, host names. */
  readonly plainTcp: readonly string[];
  /** How long a dark host's slots stay unknown before they are placed elsewhere. */
  readonly hostLostAfterMs: number;
  /** Registries that may receive credentials; absent: every one the credentials name. */
  readonly credentialRegistries?: readonly string[];
}
