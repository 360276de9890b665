/**
 * Leader election on an etcd lease (DESIGN §8): instances of one owner race
 * to create the owner's leader key on their own lease; the one that created
 * it leads while its lease lives. Followers look at the key every
 * `pollMs` and campaign as soon as it is gone, so a leader killed with
 * `kill -9` is replaced within the TTL plus one poll.
 *
 * Fencing. The leader counts its lease valid until the moment it *sent* the
 * last keep-alive etcd confirmed, plus the TTL: etcd expires it no earlier,
 * so while that clock runs no other instance can hold the key. Past it (etcd
 * stopped answering) the instance steps down on its own, without asking
 * etcd. Before each write `fence()` also asks etcd, in one transaction,
 * whether the leader key still has the create revision this instance made
 * it with; writes to etcd itself carry that comparison (`txn`).
 *
 * The election is kept here rather than taken from etcd3's Election: berth
 * needs the key's revision for that comparison and the lease's own clock
 * for stepping down in time, which that API does not give.
 */
import { performance } from "node:perf_hooks";
import type { Etcd3, IOperation, Lease } from "etcd3";
import type { Logger } from "../loop/logger.ts";
import { ETCD_CALL_MS, type EtcdConnection } from "./etcd-client.ts";
import { ownerKeys } from "./etcd-keys.ts";
import type { LeaderState, Leadership } from "./leadership.ts";
import { LeaseLostError } from "./lease-lost-error.ts";

export interface ElectionOptions {
  readonly etcd: EtcdConnection;
  readonly owner: string;
  readonly instance: string;
  /** The lease's TTL in seconds (default 10). */
  readonly ttlS?: number;
  /** How often a follower looks at the leader key, and the leader at its clock (default 500 ms). */
  readonly pollMs?: number;
  readonly log: Logger;
}

/** Stepped down this long before the lease could expire, for clocks that run at slightly different rates. */
const CLOCK_MARGIN_MS = 250;

/** A further comparison a transaction makes: key, column, comparator, value. */
export type Compare = readonly [string, "Value" | "Version" | "Create" | "Mod" | "Lease", "==" | "!=" | ">" | "<", string | number];

interface Holder {
  readonly instance: string;
  readonly since: string;
}

export class EtcdElection implements Leadership {
  private readonly client: Etcd3;
  private readonly key: string;
  private readonly ttlS: number;
  private readonly listeners: ((s: LeaderState) => void)[] = [];
  private current: LeaderState;
  private held: Lease | undefined;
  private leaseId: string | undefined;
  /** performance.now() of the keep-alive in flight, and the validity it gives when confirmed. */
  private sentAt = 0;
  private validUntil = 0;
  private revision: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private closed = false;
  /** Leases lost while etcd was away: revoked once it answers, so their key does not block the next election for a TTL. */
  private stale: Lease[] = [];

  constructor(private readonly opts: ElectionOptions) {
    this.client = opts.etcd.client;
    this.key = ownerKeys(opts.owner).leader;
    this.ttlS = opts.ttlS ?? 10;
    this.current = { leader: false, instance: opts.instance, lock: opts.etcd.address.text, reason: "not elected yet" };
  }

  /** Campaigns now, then keeps looking every poll. Resolves after the first attempt (elected or not). */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.opts.pollMs ?? 500);
  }

  state(): LeaderState {
    return this.current;
  }

  onChange(listener: (state: LeaderState) => void): void {
    this.listeners.push(listener);
  }

  async fence(): Promise<void> {
    const revision = this.revision;
    if (!this.current.leader || revision === undefined) throw this.lost(this.current.reason ?? "it is not the leader");
    this.checkClock();
    if (!this.current.leader) throw this.lost(this.current.reason!);
    await this.txn([]);
  }

  /**
   * Runs `ops` only while this instance leads (the leader key's create
   * revision unchanged) and `also` holds; false when only `also` failed.
   * Throws LeaseLostError when this instance does not lead.
   */
  async txn(ops: readonly IOperation[], also?: readonly Compare[]): Promise<boolean> {
    const revision = this.revision;
    if (!this.current.leader || revision === undefined) throw this.lost(this.current.reason ?? "it is not the leader");
    let res: Awaited<ReturnType<ReturnType<Etcd3["if"]>["commit"]>>;
    try {
      let t = this.client.if(this.key, "Create", "==", revision);
      for (const [key, column, cmp, value] of also ?? []) t = t.and(key, column, cmp, value);
      res = await within(t.then(...ops).else(this.client.get(this.key)).commit());
    } catch (err) {
      // Not stepped down on one failed call: the lease's clock decides that. This write is refused.
      throw this.lost(`etcd did not answer (${(err as Error).message})`);
    }
    if (res.succeeded) return true;
    const kv = res.responses[0]?.response_range?.kvs?.[0];
    if (kv && String(kv.create_revision) === revision) return false;
    this.stepDown("its leader key expired or was taken");
    throw this.lost(this.current.reason!);
  }

  /** The lease the leader key lives on, for keys that should go with this leadership (a job's claimed tick). */
  get lease(): string | undefined {
    return this.current.leader ? this.leaseId : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    const lease = this.held;
    const revision = this.revision;
    this.revision = undefined;
    if (this.current.leader) this.set({ leader: false, instance: this.opts.instance, lock: this.current.lock, reason: "stopped" });
    try {
      // Resigning deletes the key, so the next leader need not wait out the TTL.
      if (revision !== undefined) await within(this.client.if(this.key, "Create", "==", revision).then(this.client.delete().key(this.key)).commit());
      if (lease) await within(lease.revoke());
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, "could not give the etcd lease up; another instance takes over when it expires");
    }
    this.client.close();
  }

  private lost(cause: string): LeaseLostError {
    return new LeaseLostError({ lock: this.current.lock, instance: this.opts.instance, cause });
  }

  private set(next: LeaderState): void {
    const before = this.current;
    this.current = next;
    if (before.leader !== next.leader || before.holder !== next.holder) for (const l of this.listeners) l(next);
  }

  private stepDown(reason: string): void {
    if (!this.current.leader) return;
    this.revision = undefined;
    this.opts.log.warn({ lock: this.current.lock, reason }, `no longer leading: ${reason}; no further write`);
    this.set({ leader: false, instance: this.opts.instance, lock: this.current.lock, reason });
  }

  private checkClock(): void {
    const left = this.validUntil - CLOCK_MARGIN_MS - performance.now();
    if (this.current.leader && left <= 0) this.stepDown(`etcd has not confirmed the lease for ${this.ttlS} s`);
  }

  private newLease(): Lease {
    const lease = this.client.lease(this.ttlS);
    lease.on("keepaliveFired", () => (this.sentAt = performance.now()));
    lease.on("keepaliveSucceeded", (res) => {
      if (lease !== this.held) return;
      this.validUntil = Math.max(this.validUntil, this.sentAt + Number(res.TTL ?? this.ttlS) * 1000);
    });
    lease.on("lost", (err) => {
      if (lease !== this.held) return;
      this.held = undefined;
      this.leaseId = undefined;
      this.stale.push(lease);
      this.stepDown(`its etcd lease was lost (${err.message})`);
    });
    return lease;
  }

  /** One look: the leader checks its clock; anyone else campaigns, or learns who leads. */
  private async tick(): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      this.checkClock();
      if (this.current.leader) return;
      await this.revokeStale();
      if (!this.held) {
        const sent = performance.now();
        const lease = this.newLease();
        this.held = lease;
        try {
          this.leaseId = await within(lease.grant());
        } catch (err) {
          this.held = undefined;
          lease.release();
          throw err;
        }
        this.validUntil = sent + this.ttlS * 1000;
      }
      await this.campaign();
    } catch (err) {
      const reason = `etcd at ${this.current.lock} refused or did not answer (${(err as Error).message})`;
      if (this.current.reason !== reason && !this.current.leader) {
        this.opts.log.warn({ lock: this.current.lock }, reason);
        this.set({ leader: false, instance: this.opts.instance, lock: this.current.lock, reason });
      }
    } finally {
      this.busy = false;
    }
  }

  private async campaign(): Promise<void> {
    const me: Holder = { instance: this.opts.instance, since: new Date().toISOString() };
    const res = await within(
      this.client
        .if(this.key, "Create", "==", 0)
        .then(this.client.put(this.key).value(JSON.stringify(me)).lease(this.leaseId!))
        .else(this.client.get(this.key))
        .commit(),
    );
    if (this.closed) return;
    if (res.succeeded) return this.elected(String(res.header.revision), me);
    const kv = res.responses[0]?.response_range?.kvs?.[0];
    if (!kv) return;
    const holder = parseHolder(kv.value.toString());
    // The key on our own lease: etcd came back before the lease expired, so nobody else could have led meanwhile.
    if (kv.lease === this.leaseId && this.validUntil - CLOCK_MARGIN_MS > performance.now()) return this.elected(String(kv.create_revision), holder ?? me);
    const next: LeaderState = { leader: false, instance: this.opts.instance, lock: this.current.lock, ...(holder ? { holder: holder.instance, since: holder.since } : {}), reason: holder ? `${holder.instance} leads` : "another instance leads" };
    if (next.holder !== this.current.holder || this.current.reason !== next.reason) {
      this.opts.log.info({ lock: next.lock, holder: next.holder, since: next.since }, `following: ${next.holder ?? "another instance"} leads`);
      this.set(next);
    }
  }

  private elected(revision: string, holder: Holder): void {
    this.revision = revision;
    this.opts.log.info({ lock: this.current.lock, ttlS: this.ttlS }, `leading ${this.opts.owner}`);
    this.set({ leader: true, instance: this.opts.instance, lock: this.current.lock, holder: this.opts.instance, since: holder.since });
  }

  private async revokeStale(): Promise<void> {
    for (const lease of [...this.stale]) {
      const revoked = await within(lease.revoke()).then(() => true, () => false);
      if (revoked) this.stale = this.stale.filter((l) => l !== lease);
    }
  }
}

function parseHolder(text: string): Holder | undefined {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    return typeof h.instance === "string" ? { instance: h.instance, since: String(h.since ?? "") } : undefined;
  } catch {
    return undefined;
  }
}

/** `p`, or a rejection once etcd has taken longer than one call may. */
function within<T>(p: Promise<T>, ms = ETCD_CALL_MS): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}
