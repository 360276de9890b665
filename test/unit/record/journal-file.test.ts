import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { appendJournal, journalFile, readJournal } from "../../../reconciler/record/journal-file.ts";
import type { JournalEntry } from "../../../reconciler/model/journal.ts";

const entry = (i: number, owner = "o"): JournalEntry => ({ at: new Date(Date.UTC(2026, 10, 23, 0, 0, i)).toISOString(), owner, commit: `c${i}`, trigger: "poll", result: "converged", services: [], ms: 1 });

describe("the deployment journal", function () {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), "berth-journal-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reads back what was appended, per owner or for all, oldest first", function () {
    appendJournal(dir, entry(2, "a"));
    appendJournal(dir, entry(1, "b"));
    appendJournal(dir, entry(3, "a"));
    assert.deepEqual(readJournal(dir, "a").map((e) => e.commit), ["c2", "c3"]);
    assert.deepEqual(readJournal(dir).map((e) => e.commit), ["c1", "c2", "c3"]);
    assert.deepEqual(readJournal(dir, "nobody"), []);
  });

  it("skips a torn last line (killed mid-write)", function () {
    appendJournal(dir, entry(1));
    appendFileSync(journalFile(dir, "o"), '{"at":"2026-11-23T00:00:02.000Z","own');
    assert.deepEqual(readJournal(dir, "o").map((e) => e.commit), ["c1"]);
  });

  it("past its size limit keeps the newest half", function () {
    const max = 2000;
    for (let i = 0; i < 40; i++) appendJournal(dir, entry(i), max);
    assert.ok(statSync(journalFile(dir, "o")).size <= max);
    const kept = readJournal(dir, "o").map((e) => e.commit);
    assert.equal(kept.at(-1), "c39", "the newest entry is kept");
    assert.ok(kept.length >= 5 && kept.length < 40, `kept ${kept.length}`);
    assert.deepEqual(kept, kept.slice().sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))), "in order");
  });
});
