/**
 * A commit's fleet file that is not UTF-8 is refused by byte offset, as a
 * file on disk is. Guards the bug where the commit reader decoded it
 * leniently, so `berth validate` (without DIR) and the daemon read U+FFFD
 * where the bad byte was and reported nothing about it.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openSource } from "../../../reconciler/source/open-source.ts";

describe("source: a commit's file that is not UTF-8", function () {
  it("is refused with its byte offset, line and column", async function () {
    const repo = mkdtempSync(path.join(os.tmpdir(), "berth-latin1-"));
    try {
      const g = (...args: string[]) => execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.invalid", ...args], { cwd: repo });
      g("init", "-q", "-b", "main");
      writeFileSync(path.join(repo, "web.yaml"), Buffer.from("apiVersion: berth/v1\nkind: Host\nmetadata:\n  name: caf\xe9\n", "latin1"));
      g("add", "-A");
      g("commit", "-q", "-m", "latin1");
      const source = openSource({ repo });
      const snap = await source.checkout((await source.resolve()).commit);
      assert.deepEqual(snap.files.map((f) => f.path), []);
      assert.equal(snap.refused?.length, 1);
      assert.deepEqual({ path: snap.refused![0]!.path, code: snap.refused![0]!.code, line: snap.refused![0]!.line, col: snap.refused![0]!.col }, { path: "web.yaml", code: "not-utf8", line: 4, col: 12 });
      assert.match(snap.refused![0]!.message, /byte 0xE9 at offset 53 \(line 4, column 12\) is not valid UTF-8/);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
