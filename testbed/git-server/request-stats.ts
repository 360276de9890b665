/**
 * Request and response-byte counters of the test bed's git server, per
 * repository and git service, so tests can prove what a poll cost.
 */
import type { GitService } from "./git-request.ts";

export interface Counter {
  requests: number;
  /** Response body bytes sent (after the CGI headers). */
  bytesOut: number;
}

export interface GitServerStats {
  total: Counter;
  /** Keyed by service as on the wire: `info/refs?service=git-upload-pack`, `git-upload-pack`, `git-receive-pack`. */
  byService: Partial<Record<GitService, Counter>>;
  /** Repository path (`private/fleet.git`) → service → counter. */
  byRepo: Record<string, Partial<Record<GitService, Counter>>>;
}

/** Fresh, all-zero stats. */
export function emptyStats(): GitServerStats {
  return { total: { requests: 0, bytesOut: 0 }, byService: {}, byRepo: {} };
}

/** The counters one request adds to: total, its service, its repository's service. */
export function countersFor(stats: GitServerStats, repo: string, service: GitService): Counter[] {
  const perRepo = (stats.byRepo[repo] ??= {});
  return [stats.total, (stats.byService[service] ??= { requests: 0, bytesOut: 0 }), (perRepo[service] ??= { requests: 0, bytesOut: 0 })];
}
