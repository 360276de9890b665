/**
 * Limits that protect the reconciler from hostile or broken repositories.
 * A repository is user input: a file could be huge, or a few lines of YAML
 * aliases could expand into gigabytes.
 */

/** Largest YAML file berth reads; a larger one is refused, not truncated. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** How much of a repository berth reads: past either cap it stops reading and loads none of it. */
export interface RepoCaps {
  /** Fleet files (`.yaml`/`.yml` that berth reads), counted as they are read. */
  readonly maxFiles: number;
  /** Their bytes, added up as they are read. */
  readonly maxBytes: number;
}

export const REPO_CAPS: RepoCaps = {
  // berth is to run 10,000 hosts, which a repository may well keep one file
  // each, next to its services and templates: twice that leaves room for
  // them. Reading a small file from git costs about a millisecond (0.4 ms
  // loose, 1.2 ms packed, measured), so 20,000 are read in under half a
  // minute, and the daemon answers meanwhile; a million would take an hour.
  maxFiles: 20_000,
  // Three times the 20 MB commit the daemon is tested to stay responsive
  // with (test/integration/daemon/large-commit.test.ts). Loading holds the
  // text, its YAML trees and the fleet at once: during that commit's load
  // the load thread held up to 0.35 GB live after a full collection (0.5 GB
  // for 20 MB of services without comments), so 64 MiB needs 1.1-1.6 GB,
  // within V8's default heap (2-4 GB). This cap is what bounds it.
  maxBytes: 64 * 1024 * 1024,
};

/**
 * How many alias dereferences one document may make when it is turned into
 * data. Real fleet files use a handful; a "billion laughs" document needs
 * thousands.
 */
export const MAX_ALIAS_COUNT = 100;

/**
 * How deeply lists and mappings may nest in one document, aliases followed.
 * Fleet documents use fewer than ten levels. The YAML composer recurses once
 * per level (100k `[` exhaust its stack; 100k closed `[...]` exhausted the
 * process's memory), and so do `toJS` and every later walk over the data:
 * the depth is checked before any of them runs.
 */
export const MAX_NESTING_DEPTH = 64;

/** YAML tags allowed on nodes: the core schema's own. Any other tag is refused. */
export const ALLOWED_TAGS: ReadonlySet<string> = new Set([
  "tag:yaml.org,2002:str",
  "tag:yaml.org,2002:int",
  "tag:yaml.org,2002:float",
  "tag:yaml.org,2002:bool",
  "tag:yaml.org,2002:null",
  "tag:yaml.org,2002:map",
  "tag:yaml.org,2002:seq",
]);
