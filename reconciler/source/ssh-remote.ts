/**
 * Recognises an SSH git remote in `--repo`, as git does: `ssh://`,
 * `git+ssh://` and `ssh+git://` URLs, and the scp-like `[user@]host:path`
 * (a colon before any slash). berth cannot fetch those (isomorphic-git
 * speaks http only), so they are refused with what to use instead rather
 * than read as a local folder that does not exist.
 */
import { existsSync } from "node:fs";

/**
 * The remote as it may be shown and an https:// URL it likely has, when
 * `repo` is an SSH remote; undefined otherwise (an http(s) URL, or a local
 * path, including one that exists and merely looks scp-like).
 * @example sshRemote("git@github.com:org/fleet.git") // { shown: "git@github.com:org/fleet.git", httpsGuess: "https://github.com/org/fleet.git" }
 */
export function sshRemote(repo: string, exists: (p: string) => boolean = existsSync): { shown: string; httpsGuess?: string } | undefined {
  const url = /^(?:ssh|git\+ssh|ssh\+git):\/\//i.exec(repo);
  if (url) {
    // The user stays (git@ matters to the clone command); a password never shows.
    const shown = repo.replace(/^([^:]+:\/\/[^:@/]*):[^@/]*@/, "$1@");
    try {
      const u = new URL(repo.replace(/^[^:]+:/, "ssh:"));
      return { shown, ...(u.hostname ? { httpsGuess: `https://${u.hostname}${u.pathname}` } : {}) };
    } catch {
      return { shown };
    }
  }
  const scp = /^(?:([^@/:\s]+)@)?([^/:\s]+):(?!\/\/)(.*)$/.exec(repo);
  // A one-letter "host" is a Windows drive (C:\fleet); an existing path is a path, whatever it looks like.
  if (!scp || scp[2]!.length === 1 || exists(repo)) return undefined;
  const pathPart = scp[3]!.replace(/^\/+/, "");
  return { shown: repo, ...(pathPart ? { httpsGuess: `https://${scp[2]}/${pathPart}` } : {}) };
}
