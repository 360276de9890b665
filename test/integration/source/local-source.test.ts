/**
 * The local git source against real repositories made by the git CLI: work
 * trees and bare repositories, read from commits, and watched for new ones.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { RepoFixture } from "../../../testbed/git-server/repo-fixture.ts";
import { LocalGitSource } from "../../../reconciler/source/local-source.ts";
import { openSource } from "../../../reconciler/source/open-source.ts";
import { NotARepositoryError, RefNotFoundError } from "../../../reconciler/source/errors.ts";

const paths = (snap: { files: readonly { path: string }[] }) => snap.files.map((f) => f.path);

/** Resolves with the ms from `act()` to the watcher's first call, or rejects after `limitMs`. */
async function noticed(src: LocalGitSource, act: () => void, limitMs = 1000): Promise<number> {
  let seen!: () => void;
  const fired = new Promise<void>((r) => (seen = r));
  const w = src.watch(() => seen());
  try {
    // chokidar needs a moment to set its watches up.
    await new Promise((r) => setTimeout(r, 150));
    const t0 = Date.now();
    act();
    await Promise.race([fired, new Promise((_, rej) => setTimeout(() => rej(new Error(`not noticed within ${limitMs} ms`)), limitMs))]);
    return Date.now() - t0;
  } finally {
    await w.close();
  }
}

describe("local git source", function () {
  this.timeout(20_000);
  let fx: RepoFixture;
  let first: string;

  beforeEach(function () {
    fx = new RepoFixture();
    first = fx.commit({ "hosts.yaml": "kind: Host\n", "docs/readme.md": "# x\n" }, "first");
  });

  afterEach(async function () {
    await fx.close();
  });

  it("reads the commit, not the work tree: uncommitted edits are not deployed", async function () {
    writeFileSync(path.join(fx.work, "hosts.yaml"), "kind: Edited\n");
    writeFileSync(path.join(fx.work, "new.yaml"), "kind: Untracked\n");
    const src = new LocalGitSource({ path: fx.work });
    const r = await src.resolve();
    assert.deepEqual(r, { commit: first, ref: "refs/heads/main" });
    const snap = await src.checkout(r.commit);
    assert.deepEqual(snap.files, [{ path: "hosts.yaml", content: "kind: Host\n" }]);
    assert.equal(snap.commit.message, "first");
    assert.deepEqual(await src.lastGood(), { commit: first, ref: "HEAD" });
  });

  it("reads a bare repository", async function () {
    fx.publish("fleet.git");
    const bare = new LocalGitSource({ path: fx.bare("fleet.git") });
    assert.equal((await bare.resolve()).commit, first);
    assert.deepEqual(paths(await bare.checkout(first)), ["hosts.yaml"]);
  });

  it("reads a work tree whose .git is a gitdir file (--separate-git-dir)", async function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), "berth-sep-"));
    try {
      const work = path.join(dir, "work");
      execFileSync("git", ["init", "-q", "-b", "main", "--separate-git-dir", path.join(dir, "store.git"), work]);
      writeFileSync(path.join(work, "a.yaml"), "a: 1\n");
      execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@e.invalid", "add", "-A"], { cwd: work });
      execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@e.invalid", "commit", "-qm", "x"], { cwd: work });
      const src = new LocalGitSource({ path: work });
      assert.deepEqual(paths(await src.checkout((await src.resolve()).commit)), ["a.yaml"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("pins by branch, tag and SHA", function () {
    const cases: { name: string; ref: (s: Record<string, string>) => string; want: string }[] = [
      { name: "a branch", ref: () => "side", want: "side" },
      { name: "a full ref", ref: () => "refs/heads/main", want: "second" },
      { name: "a lightweight tag", ref: () => "v1", want: "first" },
      { name: "an annotated tag, peeled to its commit", ref: () => "v2", want: "second" },
      { name: "a full SHA", ref: (s) => s["first"]!, want: "first" },
      { name: "an abbreviated SHA", ref: (s) => s["side"]!.slice(0, 9), want: "side" },
    ];
    for (const c of cases) {
      it(c.name, async function () {
        const shas: Record<string, string> = { first };
        fx.git("tag", "v1");
        shas["second"] = fx.commit({ "second.yaml": "b: 2\n" }, "second");
        fx.git("tag", "-a", "v2", "-m", "release 2");
        fx.git("checkout", "-q", "-b", "side", first);
        shas["side"] = fx.commit({ "side.yaml": "s: 1\n" }, "side");
        fx.git("checkout", "-q", "main");
        const src = new LocalGitSource({ path: fx.work, ref: c.ref(shas) });
        const r = await src.resolve();
        assert.equal(r.commit, shas[c.want]);
        assert.equal((await src.checkout(r.commit)).commit.sha, shas[c.want]);
      });
    }

    it("an unknown ref needs a human", async function () {
      const err = await new LocalGitSource({ path: fx.work, ref: "nope" }).resolve().catch((e: unknown) => e);
      assert.ok(err instanceof RefNotFoundError, String(err));
      assert.equal(err.reaction, "stalled");
      assert.match(err.message, /has no branch, tag or commit "nope"/);
    });
  });

  it("reads only the files under --path, with paths relative to the repository root", async function () {
    const sha = fx.commit({ "deploy/web.yaml": "w: 1\n", "deploy/.hidden/x.yaml": "h: 1\n", "deployment/no.yaml": "n: 1\n" }, "deploy");
    assert.deepEqual(paths(await new LocalGitSource({ path: fx.work, subPath: "deploy" }).checkout(sha)), ["deploy/web.yaml"]);
  });

  it("refuses a symlink that leaves the repository, and reads through one that stays inside", async function () {
    symlinkSync("/etc/hostname", path.join(fx.work, "outside.yaml"));
    symlinkSync("hosts.yaml", path.join(fx.work, "inside.yaml"));
    const sha = fx.commit({}, "links");
    const snap = await new LocalGitSource({ path: fx.work }).checkout(sha);
    assert.deepEqual(snap.refused?.map((r) => [r.path, r.code]), [["outside.yaml", "symlink-escape"]]);
    assert.deepEqual(paths(snap), ["hosts.yaml"]);
  });

  const notRepos: { name: string; make: (dir: string) => string; says: RegExp }[] = [
    { name: "a missing folder", make: (dir) => path.join(dir, "missing"), says: /is not a git repository \(no such folder\)/ },
    { name: "a plain folder", make: (dir) => (mkdirSync(path.join(dir, "plain")), path.join(dir, "plain")), says: /is not a git repository/ },
  ];
  for (const c of notRepos) {
    it(`${c.name} is not a repository`, function () {
      const dir = mkdtempSync(path.join(os.tmpdir(), "berth-norepo-"));
      try {
        const p = c.make(dir);
        assert.throws(() => openSource({ repo: p }), (e: unknown) => e instanceof NotARepositoryError && c.says.test(e.message) && e.message.includes(path.basename(p)));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  describe("notices new commits by watching refs", function () {
    const changes: { name: string; setup?: (fx: RepoFixture) => void; act: (fx: RepoFixture) => string; ref?: string; repo?: (fx: RepoFixture) => string }[] = [
      { name: "a commit in a work tree", act: (fx) => fx.commit({ "b.yaml": "b: 1\n" }, "watched") },
      {
        name: "a push to a bare repository",
        setup: (fx) => fx.publish("fleet.git"),
        repo: (fx) => fx.bare("fleet.git"),
        act: (fx) => {
          const sha = fx.commit({ "c.yaml": "c: 1\n" }, "pushed");
          fx.publish("fleet.git");
          return sha;
        },
      },
      {
        name: "a ref updated in packed-refs only",
        setup: (fx) => {
          fx.commit({ "d.yaml": "d: 1\n" }, "next");
          fx.git("branch", "next");
          fx.git("reset", "-q", "--hard", "HEAD~1");
          fx.git("pack-refs", "--all", "--prune");
        },
        act: (fx) => {
          // Rewrite packed-refs as git does (a new file renamed over the old), moving main to next's commit.
          const sha = fx.git("rev-parse", "next");
          const file = path.join(fx.work, ".git", "packed-refs");
          const text = readFileSync(file, "utf8").replace(/^[0-9a-f]{40} refs\/heads\/main$/m, `${sha} refs/heads/main`);
          writeFileSync(`${file}.new`, text);
          renameSync(`${file}.new`, file);
          return sha;
        },
      },
      {
        name: "HEAD switched to another branch",
        setup: (fx) => {
          fx.git("branch", "other");
          fx.git("checkout", "-q", "other");
          fx.commit({ "o.yaml": "o: 1\n" }, "on other");
          fx.git("checkout", "-q", "main");
        },
        act: (fx) => {
          fx.git("checkout", "-q", "other");
          return fx.git("rev-parse", "HEAD");
        },
      },
      { name: "a pinned branch moved", ref: "main", act: (fx) => fx.commit({ "e.yaml": "e: 1\n" }, "pinned") },
    ];
    for (const c of changes) {
      it(c.name, async function () {
        c.setup?.(fx);
        const src = new LocalGitSource({ path: c.repo ? c.repo(fx) : fx.work, ...(c.ref ? { ref: c.ref } : {}) });
        const before = (await src.resolve()).commit;
        let sha = "";
        await noticed(src, () => (sha = c.act(fx)));
        assert.notEqual(sha, before);
        assert.equal((await src.resolve()).commit, sha);
      });
    }

    it("stays quiet when nothing moves and after close", async function () {
      const src = new LocalGitSource({ path: fx.work });
      let calls = 0;
      const w = src.watch(() => calls++);
      await new Promise((r) => setTimeout(r, 150));
      writeFileSync(path.join(fx.work, "hosts.yaml"), "kind: Edited\n"); // the work tree is not a ref
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(calls, 0);
      await w.close();
      fx.commit({ "late.yaml": "l: 1\n" }, "after close");
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(calls, 0);
    });
  });
});
