/**
 * Repositories for tests and benchmarks of the git source: a work tree
 * driven by the git CLI, bare repositories on the git server it pushes to,
 * and the server itself on a free port. (Only tests use the git CLI; berth
 * reads git with isomorphic-git.)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { GitCredential } from "./basic-auth.ts";
import { startGitServer, type RunningGitServer } from "./server.ts";

/** The one user the fixture's server accepts. */
export const TEST_CREDENTIAL: GitCredential = { username: "berth", token: "t0ken-for-tests-only-0123456789" };

/** Creates an empty bare repository `name` (e.g. `private/fleet.git`) under `root`, replacing any; returns its path. */
export function createBareRepo(root: string, name: string): string {
  const bare = path.join(root, name);
  rmSync(bare, { recursive: true, force: true });
  mkdirSync(path.dirname(bare), { recursive: true });
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
  return bare;
}

export class RepoFixture {
  /** Everything lives under this temporary folder, removed by `close`. */
  readonly root = mkdtempSync(path.join(os.tmpdir(), "berth-git-"));
  /** The server's root: bare repositories. */
  readonly served = path.join(this.root, "served");
  /** A work tree on branch `main`. */
  readonly work = path.join(this.root, "work");
  server: RunningGitServer | undefined;

  constructor() {
    mkdirSync(this.served, { recursive: true });
    execFileSync("git", ["init", "-q", "-b", "main", this.work]);
  }

  /** Runs git in the work tree with a fixed identity; returns trimmed stdout. */
  git(...args: string[]): string {
    return execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", ...args], {
      cwd: this.work,
      encoding: "utf8",
    }).trim();
  }

  /** Writes files (path → content; `null` deletes) into the work tree and commits them all; returns the new SHA. */
  commit(files: Record<string, string | null>, message = "change"): string {
    for (const [p, content] of Object.entries(files)) {
      const abs = path.join(this.work, p);
      if (content === null) rmSync(abs, { force: true });
      else {
        mkdirSync(path.dirname(abs), { recursive: true });
        writeFileSync(abs, content);
      }
    }
    this.git("add", "-A");
    this.git("commit", "-q", "--allow-empty", "-m", message);
    return this.git("rev-parse", "HEAD");
  }

  /** Path of the bare repository `name` on the server. */
  bare(name: string): string {
    return path.join(this.served, name);
  }

  /**
   * Pushes every branch and tag of the work tree to the bare repository
   * `name` (created when missing), with `--force` so rewritten history lands
   * as a real force-push would.
   */
  publish(name: string): void {
    const bare = this.bare(name);
    try {
      execFileSync("git", ["--git-dir", bare, "rev-parse", "--git-dir"], { stdio: "ignore" });
    } catch {
      createBareRepo(this.served, name);
    }
    this.git("push", "-q", "--force", "--prune", bare, "refs/heads/*:refs/heads/*", "refs/tags/*:refs/tags/*");
  }

  /** URL of `name` on the running server. */
  url(name: string): string {
    if (!this.server) throw new Error("RepoFixture.url: call serve() first");
    return `${this.server.url}/${name}`;
  }

  /** Starts the git server over `served` on a free port of 127.0.0.1. */
  async serve(log?: (line: string) => void): Promise<RunningGitServer> {
    this.server = await startGitServer({ root: this.served, port: 0, credentials: [TEST_CREDENTIAL], ...(log ? { log } : {}) });
    return this.server;
  }

  async close(): Promise<void> {
    await this.server?.close();
    rmSync(this.root, { recursive: true, force: true });
  }
}
