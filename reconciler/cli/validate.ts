/**
 * `berth validate [DIR]`: parse and validate a repository, print every
 * diagnostic as `file:line:col: error: message (at path)`.
 * Exit status 0 when valid, 1 when not (or when nothing could be read).
 */
import { formatDiagnostic, type Diagnostic } from "../load/diagnostic.ts";
import { SourceReadError } from "../load/errors.ts";
import { loadFleet, loadFleetParallel, type LoadResult } from "../load/load-fleet.ts";
import { YamlParsePool } from "../load/parse-pool.ts";
import { readRepoDir } from "../load/read-dir.ts";
import { GitSourceError, NotARepositoryError } from "../source/errors.ts";
import { openSource } from "../source/open-source.ts";
import type { CommitInfo } from "../source/types.ts";
import { stateDir } from "./state-dir.ts";

/** Reads the commit `--ref` (default: the remote's default branch) of `--repo`. */
async function loadCommitForCli(opts: Record<string, unknown>, command: string): Promise<CliLoad | undefined> {
  const subPath = typeof opts["path"] === "string" ? opts["path"] : undefined;
  const defaulted = typeof opts["repo"] !== "string";
  try {
    const source = openSource({
      repo: defaulted ? "." : String(opts["repo"]),
      ...(typeof opts["ref"] === "string" ? { ref: opts["ref"] } : {}),
      ...(subPath ? { subPath } : {}),
      stateDir: stateDir(opts),
    });
    const { commit } = await source.resolve();
    const snapshot = await source.checkout(commit);
    return { root: ".", result: loadFleet(snapshot, subPath === undefined ? {} : { subPath }), source: { identity: source.identity, commit: snapshot.commit } };
  } catch (err) {
    if (err instanceof GitSourceError) {
      const hint = defaulted && err instanceof NotARepositoryError ? "; without --repo berth reads the commits of the current directory's repository: pass --repo URL|PATH, or a DIR to read files on disk" : "";
      process.stderr.write(`berth ${command}: ${err.message}${hint}\n`);
      return undefined;
    }
    throw err;
  }
}

/** Above this much YAML, starting parse workers (a few hundred ms) pays for itself. */
const PARALLEL_PARSE_BYTES = 1024 * 1024;

/** What `validate` and `render` read, resolved from their arguments. */
export interface CliLoad {
  /** The folder read; diagnostics are printed relative to it as given. */
  readonly root: string;
  readonly result: LoadResult;
  /** Set when a commit was read with `--repo`. */
  readonly source?: { readonly identity: string; readonly commit: CommitInfo };
}

/**
 * Reads DIR (or the current directory) and loads it. Returns undefined after
 * printing why when there is nothing to load: `--repo` without DIR (reading
 * commits is issue 4), or an unreadable folder.
 */
export async function loadForCli(dir: string | undefined, opts: Record<string, unknown>, command: string): Promise<CliLoad | undefined> {
  // DESIGN §5: without --repo, the current directory's repository, read as a commit.
  if (dir === undefined) return loadCommitForCli(opts, command);
  const root = dir;
  const subPath = typeof opts["path"] === "string" ? opts["path"] : undefined;
  try {
    const snapshot = await readRepoDir(root, subPath === undefined ? {} : { subPath });
    const options = subPath === undefined ? {} : { subPath };
    const bytes = snapshot.files.reduce((n, f) => n + f.content.length, 0);
    if (bytes < PARALLEL_PARSE_BYTES) return { root, result: loadFleet(snapshot, options) };
    const pool = new YamlParsePool();
    try {
      return { root, result: await loadFleetParallel(snapshot, pool, options) };
    } finally {
      await pool.close();
    }
  } catch (err) {
    if (err instanceof SourceReadError) {
      process.stderr.write(`berth ${command}: ${err.message}\n`);
      return undefined;
    }
    throw err;
  }
}

/** The file name as the user can open it from where they ran berth. */
export function displayFile(root: string, file: string): string {
  if (root === "." || root === "./" || root === "") return file;
  return `${root.replace(/\/+$/, "")}/${file}`;
}

/** Diagnostics with file names as the user can open them. */
export function displayDiagnostics(root: string, list: readonly Diagnostic[]): Diagnostic[] {
  return list.map((d) => ({ ...d, file: displayFile(root, d.file) }));
}

/**
 * Runs `berth validate`.
 * @returns the exit code: 0 valid, 1 invalid or unreadable.
 */
export async function runValidate(dir: string | undefined, opts: Record<string, unknown>): Promise<number> {
  const loaded = await loadForCli(dir, opts, "validate");
  if (loaded === undefined) return 1;
  const { root, result } = loaded;
  const diagnostics = displayDiagnostics(root, result.diagnostics);
  if (opts["format"] === "json") {
    const summary = result.ok ? counts(result) : undefined;
    process.stdout.write(`${JSON.stringify({ valid: result.ok, root, diagnostics, ...(summary === undefined ? {} : { summary }) }, null, 2)}\n`);
    return result.ok ? 0 : 1;
  }
  for (const d of diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
  if (result.ok) {
    const c = counts(result);
    const n = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? "" : "s"}`;
    const label = loaded.source ? `${loaded.source.identity} at ${loaded.source.commit.sha.slice(0, 12)}` : root;
    process.stdout.write(`${label}: valid (${n(c.hosts, "host")}, ${n(c.services, "service")}, ${n(c.jobs, "job")}, ${n(c.templates, "template")}, ${c.policy ? "a policy" : "no policy"})\n`);
    return 0;
  }
  const errors = diagnostics.filter((d) => d.severity === "error");
  const files = new Set(errors.map((d) => d.file)).size;
  process.stdout.write(`${loaded.source ? `${loaded.source.identity} at ${loaded.source.commit.sha.slice(0, 12)}` : root}: invalid: ${errors.length} error${errors.length === 1 ? "" : "s"} in ${files} file${files === 1 ? "" : "s"}\n`);
  return 1;
}

function counts(result: LoadResult & { ok: true }): { hosts: number; services: number; jobs: number; templates: number; policy: boolean } {
  const f = result.fleet;
  return { hosts: f.hosts.length, services: f.services.length, jobs: f.jobs.length, templates: f.templates.length, policy: f.policy.source !== undefined };
}
