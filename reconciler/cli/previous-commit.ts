/**
 * How `plan` and `apply` read the commit that is deployed now, when this
 * machine has no deployment record (a pull-request check on a fresh CI
 * runner): from the same repository, at the commit the observed pods carry.
 * That commit's Hosts and Jobs tell the plan which hosts left git and what
 * changed in each job. A commit that cannot be read (a shallow clone, a
 * folder outside any repository) leaves the plan as careful as before.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { OperatorRules } from "../load/check-operator.ts";
import { loadFleet } from "../load/load-fleet.ts";
import type { Fleet } from "../model/fleet.ts";
import type { GitSource } from "../source/types.ts";
import { openSource } from "../source/open-source.ts";

export type CommitReader = (sha: string) => Promise<Pick<Fleet, "hosts" | "jobs"> | undefined>;

/** Reads `sha` of `source` as a fleet; undefined when it cannot be read or does not load. */
export function commitReader(source: () => GitSource, subPath: string | undefined, operator: OperatorRules): CommitReader {
  return async (sha) => {
    try {
      const result = loadFleet(await source().checkout(sha), { ...(subPath ? { subPath } : {}), operator });
      return result.ok ? result.fleet : undefined;
    } catch {
      return undefined;
    }
  };
}

/** For a DIR: the repository it lies in, and where in it. */
export function repositoryOf(dir: string): { root: string; subPath?: string } | undefined {
  const abs = path.resolve(dir);
  for (let at = abs; ; at = path.dirname(at)) {
    if (existsSync(path.join(at, ".git"))) {
      const rel = path.relative(at, abs).split(path.sep).join("/");
      return { root: at, ...(rel ? { subPath: rel } : {}) };
    }
    if (path.dirname(at) === at) return undefined;
  }
}

/** The commit reader for a DIR read from disk, or undefined outside a repository. */
export function dirCommitReader(dir: string, subPath: string | undefined, operator: OperatorRules): CommitReader | undefined {
  const repo = repositoryOf(dir);
  if (!repo) return undefined;
  const inRepo = [repo.subPath, subPath].filter(Boolean).join("/") || undefined;
  return commitReader(() => openSource({ repo: repo.root }), inRepo, operator);
}
