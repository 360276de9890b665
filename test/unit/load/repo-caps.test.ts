/**
 * The repository caps (issue 11): past a number of fleet files or of bytes,
 * a commit and a folder are refused as a whole, with what limit, the figure
 * found and what to do, and reading stops there — the file after the one
 * that goes over is never read.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { formatDiagnostic } from "../../../reconciler/load/diagnostic.ts";
import { loadFleet } from "../../../reconciler/load/load-fleet.ts";
import type { RepoCaps } from "../../../reconciler/load/limits.ts";
import { readRepoDir } from "../../../reconciler/load/read-dir.ts";
import type { RepoSnapshot } from "../../../reconciler/load/source.ts";
import { readCommit } from "../../../reconciler/source/read-commit.ts";

/** Files of 20 bytes each, read in this order; `z.yaml` is not UTF-8, so a reader that got to it would refuse it. */
const FILES: Readonly<Record<string, Buffer>> = {
  "a.yaml": Buffer.from("# twenty bytes: a..\n"),
  "b.yaml": Buffer.from("# twenty bytes: b..\n"),
  "deploy/c.yaml": Buffer.from("# twenty bytes: c..\n"),
  "z.yaml": Buffer.from("# caf\xe9, not UTF-8\n", "latin1"),
  "notes.txt": Buffer.from("not a fleet file: never counted\n".repeat(10)),
};

interface Case {
  readonly name: string;
  readonly caps: RepoCaps;
  /** The one refusal a capped read returns, formatted as the loader reports it; absent: within the caps. */
  readonly refused?: string;
}

const cases: readonly Case[] = [
  {
    name: "within both caps, every fleet file is read",
    caps: { maxFiles: 4, maxBytes: 80 },
  },
  {
    name: "one fleet file over the count cap",
    caps: { maxFiles: 2, maxBytes: 1000 },
    refused:
      "deploy/c.yaml:1:1: error: the repository has more than 2 fleet files (.yaml/.yml), the limit for one repository: berth stopped reading at deploy/c.yaml and loads none of this commit; merge small files, or point --path at a folder that holds fewer",
  },
  {
    name: "fleet files over the byte cap",
    caps: { maxFiles: 100, maxBytes: 30 },
    refused:
      "b.yaml:1:1: error: the repository's fleet files come to more than 30 bytes, the limit for one repository: 40 bytes with b.yaml, fleet file number 2, where berth stopped reading; it loads none of this commit; keep what is not fleet documents out of .yaml files, or split the fleet over repositories or --path folders",
  },
];

describe("repository caps", function () {
  this.timeout(20_000);
  let dir: string;
  let sha: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "berth-caps-"));
    mkdirSync(path.join(dir, "deploy"));
    for (const [p, content] of Object.entries(FILES)) writeFileSync(path.join(dir, p), content);
    const g = (...args: string[]) => execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.invalid", ...args], { cwd: dir, encoding: "utf8" }).trim();
    g("init", "-q", "-b", "main");
    g("add", "-A");
    g("commit", "-q", "-m", "files");
    sha = g("rev-parse", "HEAD");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const readers: readonly { readonly name: string; read(caps: RepoCaps): Promise<RepoSnapshot> }[] = [
    { name: "a commit", read: (caps) => readCommit(path.join(dir, ".git"), sha, undefined, caps) },
    { name: "a folder", read: (caps) => readRepoDir(dir, { caps }) },
  ];

  for (const reader of readers) {
    for (const c of cases) {
      it(`${reader.name}: ${c.name}`, async () => {
        const snapshot = await reader.read(c.caps);
        const reported = loadFleet(snapshot).diagnostics.map((d) => formatDiagnostic(d));
        if (c.refused === undefined) {
          assert.deepEqual(snapshot.files.map((f) => f.path), ["a.yaml", "b.yaml", "deploy/c.yaml"]);
          assert.deepEqual(snapshot.refused?.map((r) => r.code), ["not-utf8"]);
          return;
        }
        assert.deepEqual(snapshot.files, [], "a capped repository is loaded not even in part");
        // Only the cap: z.yaml, after the file that went over, was not read (it would be refused as not UTF-8).
        assert.deepEqual(reported, [c.refused]);
      });
    }
  }

});
