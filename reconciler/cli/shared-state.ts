/**
 * Where a command keeps the owner's state, and who may write (DESIGN §8).
 *
 * - `berth run` and `berth apply` take the state folder's local lock
 *   first: one per owner and folder on a machine, the holder named.
 * - Without `--lock` the state folder holds the record and the journal,
 *   and the lock's holder leads.
 * - With `--lock etcd://…` both live in etcd, and instances elect their
 *   leader there: `run` campaigns and follows until elected; `apply` asks
 *   once and is refused, naming the leader, when another instance leads.
 * - `plan` and `history` only read: from etcd with `--lock`.
 */
import os from "node:os";
import { EtcdElection } from "../lease/etcd-election.ts";
import { openEtcd, type EtcdConnection } from "../lease/etcd-client.ts";
import { EtcdStateStore } from "../lease/etcd-store.ts";
import { soleLeadership, type Leadership } from "../lease/leadership.ts";
import { takeLocalLock } from "../lease/local-lock.ts";
import type { Logger } from "../loop/logger.ts";
import { fileStateStore, type StateStore } from "../record/state-store.ts";
import { durationOption } from "./duration.ts";
import { stateDir } from "./state-dir.ts";

export interface SharedState {
  readonly store: StateStore;
  readonly leadership: Leadership;
  /** With `--lock`: claims a job's schedule tick, so that it runs once across instances. */
  readonly claimRun?: (job: string, tickMs: number) => Promise<boolean>;
  /** Gives the lease and the local lock up. */
  close(): Promise<void>;
}

/** The instance's name in status and in etcd: `--instance`, else `hostname:pid`. */
export function instanceName(opts: Record<string, unknown>): string {
  return typeof opts["instance"] === "string" && opts["instance"] ? opts["instance"] : `${os.hostname()}:${process.pid}`;
}

function etcdFrom(opts: Record<string, unknown>, env: NodeJS.ProcessEnv): EtcdConnection {
  const str = (k: string) => (typeof opts[k] === "string" ? (opts[k] as string) : undefined);
  const cacert = str("etcdCacert");
  const cert = str("etcdCert");
  const key = str("etcdKey");
  const user = str("etcdUser") ?? env.BERTH_ETCD_USER;
  return openEtcd({ lock: String(opts["lock"]), ...(cacert ? { cacert } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(user ? { user } : {}), ...(env.BERTH_ETCD_PASSWORD ? { password: env.BERTH_ETCD_PASSWORD } : {}) });
}

/**
 * For a command that writes (`run`, `apply`): the local lock, then the
 * store and the leadership. Throws with a message for the user when the
 * lock is held, the options are wrong, or (apply) another instance leads.
 */
export async function openForWriting(opts: Record<string, unknown>, owner: string, command: "run" | "apply", log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<SharedState> {
  const dir = stateDir(opts);
  const instance = instanceName(opts);
  const release = takeLocalLock(dir, owner, command);
  try {
    if (typeof opts["lock"] !== "string") {
      return { store: fileStateStore(dir, owner), leadership: soleLeadership(instance, new Date()), close: async () => release() };
    }
    const ttlS = Math.max(1, Math.round(durationOption("lock-ttl", opts["lockTtl"] ?? "10s") / 1000));
    const etcd = etcdFrom(opts, env);
    const election = new EtcdElection({ etcd, owner, instance, ttlS, log });
    await election.start();
    if (command === "apply" && !election.state().leader) {
      const s = election.state();
      await election.close();
      throw new Error(
        s.holder
          ? `${s.holder} leads ${owner}${s.since ? ` since ${s.since}` : ""} (${s.lock}); berth apply changes nothing while another instance leads — the leading daemon converges the commit itself`
          : `could not take the lease for ${owner} at ${s.lock}: ${s.reason ?? "not elected"}; nothing was changed`,
      );
    }
    const store = new EtcdStateStore(etcd, owner, election);
    return {
      store,
      leadership: election,
      claimRun: (job, tickMs) => store.claimRun(job, tickMs),
      close: async () => {
        await election.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

/** For a command that only reads (`plan`, `history`): the store, from etcd with `--lock`. */
export function openForReading(opts: Record<string, unknown>, owner: string, env: NodeJS.ProcessEnv = process.env): { store: StateStore; close(): void } {
  if (typeof opts["lock"] !== "string") return { store: fileStateStore(stateDir(opts), owner), close: () => undefined };
  const etcd = etcdFrom(opts, env);
  return { store: new EtcdStateStore(etcd, owner), close: () => etcd.client.close() };
}
