/**
 * The operator's configuration (DESIGN §2, "Who decides what"): what a
 * repository may ask for, set outside the repository. The committer's
 * Policy can only narrow it.
 */

/** How long a host in git may stay out of sight before its slots are placed elsewhere (DESIGN §7), unless the operator says otherwise. */
export const DEFAULT_HOST_LOST_AFTER_MS = 5 * 60_000;
/** The proxy image for exposed services when the operator names none: the official HAProxy image. */
export const DEFAULT_PROXY_IMAGE = "haproxy:2.6";
export const DEFAULT_DRAIN_DELAY_MS = 1_000;

/** How exposed services' traffic is carried (traffic/). */
export interface TrafficSettings {
  /** The HAProxy image run on every host (in host network mode) when a service exposes a port. */
  readonly proxyImage: string;
  /** How long a drained replica keeps running before it is stopped. */
  readonly drainDelayMs: number;
}

/** How often the daemon takes an autoscaling decision, unless the operator says otherwise (HPA's sync period). */
export const DEFAULT_AUTOSCALE_INTERVAL_MS = 15_000;

/** Autoscaling (autoscale/): which Prometheus servers a repository may query, and how often. */
export interface AutoscaleSettings {
  /** Prometheus servers (`scheme://host:port`) a Service's `autoscale.prometheus.url` may name; none by default. */
  readonly prometheusUrls: readonly string[];
  readonly intervalMs: number;
}

/** How berth reaches `ssh://` engines: the operator's keys and known hosts, never the repository's. */
export interface SshSettings {
  /** A private key file (unencrypted; an encrypted key goes through the agent). */
  readonly identityFile?: string;
  /** An ssh-agent socket; absent: SSH_AUTH_SOCK. */
  readonly agent?: string;
  /** The known_hosts file host keys are checked against; absent: ~/.ssh/known_hosts. */
  readonly knownHosts?: string;
}

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
  readonly traffic: TrafficSettings;
  readonly autoscale: AutoscaleSettings;
  /** Registries that may receive credentials; absent: every one the credentials name. */
  readonly credentialRegistries?: readonly string[];
  /** Absent: SSH_AUTH_SOCK, a key in ~/.ssh and ~/.ssh/known_hosts. */
  readonly ssh?: SshSettings;
}
