/**
 * What a smart-HTTP request asks of which repository, read from its path:
 * the unit the server authorises and counts.
 */

/** The three smart-HTTP services, named as they appear on the wire. */
export type GitService = "info/refs?service=git-upload-pack" | "info/refs?service=git-receive-pack" | "git-upload-pack" | "git-receive-pack";

export interface GitRequest {
  /** The repository's path under the server root, e.g. `private/fleet.git`. */
  readonly repo: string;
  readonly service: GitService;
}

const PATH = /^\/((?:[A-Za-z0-9._-]+\/)*[A-Za-z0-9._-]+\.git)\/(info\/refs|git-upload-pack|git-receive-pack)$/;

/**
 * The repository and service of a request path and query, or undefined for
 * anything else (the dumb protocol, `..` segments, other paths), which the
 * server answers with 404.
 *
 * @example gitRequestOf("/private/fleet.git/info/refs", "service=git-upload-pack")
 *   // { repo: "private/fleet.git", service: "info/refs?service=git-upload-pack" }
 */
export function gitRequestOf(pathname: string, query: string): GitRequest | undefined {
  const m = PATH.exec(pathname);
  if (!m) return undefined;
  const repo = m[1]!;
  if (repo.split("/").some((p) => p === "." || p === "..")) return undefined;
  if (m[2] === "info/refs") {
    const service = new URLSearchParams(query).get("service");
    if (service !== "git-upload-pack" && service !== "git-receive-pack") return undefined;
    return { repo, service: `info/refs?service=${service}` };
  }
  return { repo, service: m[2] as "git-upload-pack" | "git-receive-pack" };
}

/** True for the two halves of a push: its ref advertisement and the pack upload. */
export function isPush(service: GitService): boolean {
  return service.endsWith("git-receive-pack");
}
