/**
 * berth's version and build commit (reconciler/version.ts): package.json's
 * version found from the source tree and from a dist/ folder as an
 * installed package lays it out, and HEAD read from real repositories made
 * with git (a branch, a worktree, packed refs, a detached HEAD) without
 * running git.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { berthCommit, berthVersion, findPackageRoot, headCommit } from "../../reconciler/version.ts";
import { repoRoot } from "../../testbed/layout.ts";

const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.invalid", ...args], { cwd, encoding: "utf8" }).trim();

describe("berth's version and build commit", function () {
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), "berth-version-"))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it("berthVersion is package.json's", () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string };
    assert.equal(berthVersion, pkg.version);
  });

  it("berthCommit is BERTH_COMMIT when set, else this checkout's HEAD", () => {
    const want = process.env.BERTH_COMMIT?.trim() || git(repoRoot, "rev-parse", "HEAD");
    assert.equal(berthCommit, want);
  });

  it("finds the package from dist/reconciler/ of an installed package, skipping a package.json that is not berth's", () => {
    const pkg = path.join(tmp, "node_modules", "berth");
    mkdirSync(path.join(pkg, "dist", "reconciler"), { recursive: true });
    writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "berth", version: "9.8.7", bin: { berth: "dist/reconciler/cli/main.js" } }));
    writeFileSync(path.join(pkg, "dist", "package.json"), JSON.stringify({ type: "module" }));
    assert.deepEqual(findPackageRoot(path.join(pkg, "dist", "reconciler")), { dir: pkg, version: "9.8.7" });
  });

  it("says what is wrong when no package.json above declares berth", () => {
    assert.throws(() => findPackageRoot(tmp), (err: Error) => err.message.includes(`was not found in ${tmp} or above it`) && err.message.includes("install berth again"));
  });

  it("reads HEAD through a branch, a worktree, packed refs and a detached HEAD; no repository is undefined", () => {
    const repo = path.join(tmp, "repo");
    mkdirSync(repo);
    git(repo, "init", "-q", "-b", "main");
    git(repo, "commit", "-q", "--allow-empty", "-m", "one");
    const one = git(repo, "rev-parse", "HEAD");
    assert.equal(headCommit(repo), one, "loose ref of a branch");
    const wt = path.join(tmp, "wt");
    git(repo, "worktree", "add", "-q", "-b", "side", wt);
    git(wt, "commit", "-q", "--allow-empty", "-m", "two");
    const two = git(wt, "rev-parse", "HEAD");
    assert.equal(headCommit(wt), two, "a worktree's branch");
    git(repo, "pack-refs", "--all");
    assert.equal(headCommit(repo), one, "a packed ref");
    assert.equal(headCommit(wt), two, "a worktree's packed ref");
    git(repo, "checkout", "-q", "--detach", one);
    assert.equal(headCommit(repo), one, "a detached HEAD");
    assert.equal(headCommit(path.join(tmp, "none")), undefined);
  });
});
