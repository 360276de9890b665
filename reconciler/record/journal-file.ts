/**
 * The deployment journal: one JSON line per deployment attempt, appended to
 * `<state>/journal/<owner digest>.jsonl`. `berth history` reads it; it is
 * the only thing berth remembers between runs, and only for people — the
 * loop itself always starts from what git and the engines show.
 */
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { JournalEntry } from "../model/journal.ts";

export function journalFile(stateDir: string, owner: string): string {
  return path.join(stateDir, "journal", `${createHash("sha256").update(owner).digest("hex").slice(0, 16)}.jsonl`);
}

/** Past this size the journal keeps its newest half (drift heals of a long-lived daemon add up). */
export const JOURNAL_MAX_BYTES = 4 * 1024 * 1024;

export function appendJournal(stateDir: string, entry: JournalEntry, maxBytes = JOURNAL_MAX_BYTES): void {
  const file = journalFile(stateDir, entry.owner);
  mkdirSync(path.dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(entry)}\n`);
  if (statSync(file).size <= maxBytes) return;
  const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.trim());
  // Written aside and renamed: a crash leaves the old journal or the new one, never half of one.
  writeFileSync(`${file}.tmp`, `${lines.slice(Math.floor(lines.length / 2)).join("\n")}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Entries of one owner (or of every owner when absent), oldest first; unreadable lines are skipped. */
export function readJournal(stateDir: string, owner?: string): JournalEntry[] {
  const dir = path.join(stateDir, "journal");
  if (!existsSync(dir)) return [];
  const files = owner ? [journalFile(stateDir, owner)].filter(existsSync) : readdirSync(dir).filter((f) => f.endsWith(".jsonl")).map((f) => path.join(dir, f));
  const entries: JournalEntry[] = [];
  for (const f of files) {
    for (const line of readFileSync(f, "utf8").split("\n")) {
      if (!line.trim()) continue;
      try {
        entries.push(JSON.parse(line) as JournalEntry);
      } catch {
        // A torn last line (the daemon was killed mid-write) is not history.
      }
    }
  }
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}
