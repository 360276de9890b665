/**
 * The etcd client (etcd3, over gRPC), as berth opens it: TLS files and a
 * user from the operator's flags, the password from BERTH_ETCD_PASSWORD
 * (never a flag, so it is not in `ps`). Calls fail fast while etcd is
 * down instead of queueing: the election's own clock decides leadership,
 * and a call that waits for etcd would only hide that it is gone.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Etcd3 } from "etcd3";
import { parseLockAddress, type LockAddress } from "./lock-address.ts";

export interface EtcdOptions {
  /** `--lock etcd://HOST:PORT[,…]`. */
  readonly lock: string;
  readonly cacert?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly user?: string;
  readonly password?: string;
}

export interface EtcdConnection {
  readonly address: LockAddress;
  readonly client: Etcd3;
}

/** How long one etcd call may take before it counts as etcd not answering. */
export const ETCD_CALL_MS = 2_000;

/**
 * etcd3 and its gRPC stack, and cockatiel for its circuit breaker, loaded on
 * the first `--lock`: 120 ms and 25 MiB, and cockatiel 20–40 ms, that every
 * other command (a plan over 10,000 hosts among them) would pay for nothing.
 */
const etcd3 = (): typeof import("etcd3") => createRequire(import.meta.url)("etcd3") as typeof import("etcd3");
const cockatiel = (): typeof import("cockatiel") => createRequire(import.meta.url)("cockatiel") as typeof import("cockatiel");

export function openEtcd(opts: EtcdOptions): EtcdConnection {
  const tls = Boolean(opts.cacert || opts.cert);
  const address = parseLockAddress(opts.lock, tls);
  if (Boolean(opts.cert) !== Boolean(opts.key)) throw new Error("--etcd-cert and --etcd-key go together");
  if (opts.user && !opts.password) throw new Error(`--etcd-user ${opts.user} needs BERTH_ETCD_PASSWORD set`);
  const { ConsecutiveBreaker, circuitBreaker, handleAll, noop } = cockatiel();
  const read = (flag: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`${flag} ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
    }
  };
  const client = new (etcd3().Etcd3)({
    hosts: [...address.endpoints],
    dialTimeout: ETCD_CALL_MS,
    ...(tls
      ? {
          credentials: {
            rootCertificate: opts.cacert ? read("--etcd-cacert", opts.cacert) : Buffer.alloc(0),
            ...(opts.key ? { privateKey: read("--etcd-key", opts.key) } : {}),
            ...(opts.cert ? { certChain: read("--etcd-cert", opts.cert) } : {}),
          },
        }
      : {}),
    ...(opts.user ? { auth: { username: opts.user, password: opts.password! } } : {}),
    defaultCallOptions: () => ({ deadline: Date.now() + ETCD_CALL_MS }),
    faultHandling: {
      // The default breaker keeps a host closed for 5 s after 3 failures: longer than berth needs to notice etcd is back.
      host: () => circuitBreaker(handleAll, { halfOpenAfter: 500, breaker: new ConsecutiveBreaker(3) }),
      global: noop,
    },
  });
  return { address, client };
}
