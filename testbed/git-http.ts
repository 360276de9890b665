/**
 * Runs the bed's git smart-HTTP server (`testbed/git-server/`) as a background
 * process, with one user whose token is generated on first start.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { repoRoot, type BedLayout } from "./layout.ts";
import { startDetached, stopByPidFile, waitFor } from "./daemon.ts";

type GitServer = BedLayout["git"];

export interface GitCredential {
  readonly username: string;
  readonly token: string;
}

export async function pingGitServer(git: GitServer): Promise<boolean> {
  try {
    const res = await fetch(`${git.url}/-/stats`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** The credentials the server accepts for repositories under `private/`. */
export function gitCredentials(git: GitServer): GitCredential[] {
  if (!existsSync(git.credentialsFile)) {
    mkdirSync(path.dirname(git.credentialsFile), { recursive: true });
    const creds: GitCredential[] = [{ username: "berth", token: randomBytes(16).toString("hex") }];
    writeFileSync(git.credentialsFile, JSON.stringify(creds, null, 2) + "\n", { mode: 0o600 });
  }
  return JSON.parse(readFileSync(git.credentialsFile, "utf8")) as GitCredential[];
}

export async function startGitHttp(git: GitServer): Promise<"started" | "running"> {
  if (await pingGitServer(git)) return "running";
  await stopByPidFile(git.pidFile);
  mkdirSync(path.join(git.reposDir, "private"), { recursive: true });
  gitCredentials(git);
  startDetached({
    command: process.execPath,
    args: [
      "--import", "tsx",
      path.join(repoRoot, "testbed", "git-server", "main.ts"),
      "--root", git.reposDir,
      "--host", git.host,
      "--port", String(git.port),
      "--credentials", git.credentialsFile,
    ],
    cwd: repoRoot,
    logFile: git.logFile,
    pidFile: git.pidFile,
  });
  await waitFor(`git HTTP server at ${git.url} (log: ${git.logFile})`, () => pingGitServer(git), 30_000);
  return "started";
}

export function stopGitHttp(git: GitServer): Promise<boolean> {
  return stopByPidFile(git.pidFile);
}
