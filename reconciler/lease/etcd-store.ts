/**
 * The shared state of instances that elect their leader on etcd
 * (record/state-store.ts): the deployment record, with the held and last
 * good commits, and the journal live under the owner's keys (etcd-keys.ts).
 * Anyone reads; only the leader writes, each write in a transaction that
 * also checks it still leads, so a leader that lost its lease cannot
 * overwrite what its successor knows. Job runs are claimed per schedule
 * tick the same way.
 */
import { randomBytes } from "node:crypto";
import type { Etcd3 } from "etcd3";
import type { DeployedRecord } from "../model/deployed.ts";
import type { JournalEntry } from "../model/journal.ts";
import { parseRecord } from "../record/deployed-record.ts";
import type { StateStore } from "../record/state-store.ts";
import type { EtcdConnection } from "./etcd-client.ts";
import type { EtcdElection } from "./etcd-election.ts";
import { ownerKeys, type OwnerKeys } from "./etcd-keys.ts";

/** Journal entries kept in etcd; older ones are deleted as new ones come (the state folder's journal keeps about 4 MiB). */
export const ETCD_JOURNAL_KEEP = 2_000;
/** The journal is trimmed once per this many appends. */
const TRIM_EVERY = 50;

export class EtcdStateStore implements StateStore {
  readonly where: string;
  private readonly client: Etcd3;
  private readonly keys: OwnerKeys;
  private appends = 0;

  /** `election` is needed to write; without one (berth plan, berth history) the store only reads. */
  constructor(
    etcd: EtcdConnection,
    private readonly owner: string,
    private readonly election?: Pick<EtcdElection, "txn" | "lease">,
  ) {
    this.client = etcd.client;
    this.keys = ownerKeys(owner);
    this.where = `${etcd.address.text} (key ${this.keys.record})`;
  }

  async readRecord(): Promise<{ record?: DeployedRecord; problem?: string }> {
    const text = await this.client.get(this.keys.record).string();
    return text === null ? {} : parseRecord(text, this.owner, `the deployment record at ${this.where}`);
  }

  async writeRecord(record: DeployedRecord): Promise<void> {
    await this.writer().txn([this.client.put(this.keys.record).value(JSON.stringify(record))]);
  }

  async appendJournal(entry: JournalEntry): Promise<void> {
    const key = `${this.keys.journal}${String(Date.parse(entry.at) || 0).padStart(15, "0")}-${randomBytes(4).toString("hex")}`;
    await this.writer().txn([this.client.put(key).value(JSON.stringify(entry))]);
    if (++this.appends % TRIM_EVERY === 0) await this.trimJournal();
  }

  async readJournal(): Promise<JournalEntry[]> {
    const values = await this.client.getAll().prefix(this.keys.journal).sort("Key", "Ascend").strings();
    const entries: JournalEntry[] = [];
    for (const v of Object.values(values)) {
      try {
        entries.push(JSON.parse(v) as JournalEntry);
      } catch {
        // Not berth's: skipped, as a torn line of the journal file is.
      }
    }
    return entries.sort((a, b) => a.at.localeCompare(b.at));
  }

  /**
   * Claims one scheduled run of `job` (its tick, in ms since the epoch):
   * true for the one leader that claims it first, false when it was
   * claimed already. The claim lives on the leader's lease.
   */
  async claimRun(job: string, tickMs: number): Promise<boolean> {
    const key = `${this.keys.runs}${job}/${tickMs}`;
    const lease = this.election?.lease;
    const put = this.client.put(key).value(new Date(tickMs).toISOString());
    return this.writer().txn([lease ? put.lease(lease) : put], [[key, "Create", "==", 0]]);
  }

  private writer(): Pick<EtcdElection, "txn"> {
    if (!this.election) throw new Error(`the shared state at ${this.where} was opened to read only`);
    return this.election;
  }

  /** Deletes the oldest entries beyond ETCD_JOURNAL_KEEP. */
  private async trimJournal(): Promise<void> {
    const count = await this.client.getAll().prefix(this.keys.journal).count();
    if (count <= ETCD_JOURNAL_KEEP) return;
    const old = await this.client.getAll().prefix(this.keys.journal).sort("Key", "Ascend").limit(count - ETCD_JOURNAL_KEEP).keys();
    // etcd takes at most 128 operations in one transaction.
    for (let i = 0; i < old.length; i += 100) await this.writer().txn(old.slice(i, i + 100).map((k) => this.client.delete().key(k)));
  }
}
