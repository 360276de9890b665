/**
 * Where the loop keeps what it must know after a restart (DESIGN §8): the
 * deployment record (where berth deployed, the last good commit, the held
 * ones) and the journal. Without `--lock` that is the state folder, for the
 * one instance its local lock lets in; with `--lock` it is etcd
 * (lease/etcd-store.ts), so that a new leader knows what the old one knew,
 * and a write of a leader that lost its lease is refused there too.
 */
import type { DeployedRecord } from "../model/deployed.ts";
import type { JournalEntry } from "../model/journal.ts";
import { readRecord, recordFile, writeRecord } from "./deployed-record.ts";
import { appendJournal, journalFile, readJournal } from "./journal-file.ts";

export interface StateStore {
  /** For messages: the state folder's files, or the etcd address. */
  readonly where: string;
  /** The owner's record, undefined when there is none; a broken one is named in `problem` and treated as absent. */
  readRecord(): Promise<{ record?: DeployedRecord; problem?: string }>;
  writeRecord(record: DeployedRecord): Promise<void>;
  appendJournal(entry: JournalEntry): Promise<void>;
  /** The owner's entries, oldest first. */
  readJournal(): Promise<JournalEntry[]>;
}

export function fileStateStore(stateDir: string, owner: string): StateStore {
  return {
    where: `${recordFile(stateDir, owner)} and ${journalFile(stateDir, owner)}`,
    readRecord: async () => readRecord(stateDir, owner),
    writeRecord: async (record) => writeRecord(stateDir, record),
    appendJournal: async (entry) => appendJournal(stateDir, entry),
    readJournal: async () => readJournal(stateDir, owner),
  };
}
