/**
 * `berth validate [PATH...]`: parse and validate a repository, print every
 * diagnostic as `file:line:col: error: message (at path)`. One folder is read
 * as a repository on disk; files (and folders) named together are validated
 * as one set, cross-document checks included.
 * Exit status 0 when valid, 1 when not (or when nothing could be read).
 * Without DIR it validates HEAD, and warns about fleet files with
 * uncommitted changes, which it did not see.
 */
import { stat } from "node:fs/promises";
import { formatDiagnostic, formatGithubAnnotation, type Diagnostic } from "../load/diagnostic.ts";
import { SourceReadError } from "../load/errors.ts";
import { loadFleet, loadFleetParallel, type LoadResult } from "../load/load-fleet.ts";
import { YamlParsePool } from "../load/parse-pool.ts";
import { readRepoDir } from "../load/read-dir.ts";
import { readRepoPaths } from "../load/read-paths.ts";
import { GitSourceError, NotARepositoryError } from "../source/errors.ts";
import { openSource } from "../source/open-source.ts";
import type { CommitInfo } from "../source/types.ts";
import { uncommittedFleetFiles } from "../source/uncommitted-files.ts";
import type { OperatorRules } from "../load/check-operator.ts";
import { operatorRules } from "./operator.ts";
import { commitReader, dirCommitReader, type CommitReader } from "./previous-commit.ts";
import { stateDir } from "./state-dir.ts";
import { fail, failureOf } from "./fail.ts";

/** Reads the commit `--ref` (default: the remote's default branch) of `--repo`. */
async function loadCommitForCli(opts: Record<string, unknown>, command: string, operator: OperatorRules): Promise<CliLoad | undefined> {
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
    return {
      root: ".",
      result: loadFleet(snapshot, { ...(subPath === undefined ? {} : { subPath }), operator }),
      source: { identity: source.identity, commit: snapshot.commit },
      operator,
      readCommit: commitReader(() => source, subPath, operator),
    };
  } catch (err) {
    if (err instanceof GitSourceError) {
      const hint = defaulted && err instanceof NotARepositoryError ? "; without --repo berth reads the commits of the current directory's repository: pass --repo URL|PATH, or a DIR to read files on disk" : "";
      const failure = failureOf(err);
      fail(command, { ...failure, message: `${failure.message}${hint}` }, opts);
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
  /** The operator's rules it was checked against (--config / BERTH_CONFIG, or the defaults). */
  readonly operator: OperatorRules;
  /** Reads another commit of the same repository, when there is one (see previous-commit.ts). */
  readonly readCommit?: CommitReader;
}

/**
 * Reads DIR (or the current directory) and loads it. Returns undefined after
 * printing why when there is nothing to load: `--repo` without DIR (reading
 * commits is issue 4), or an unreadable folder.
 */
export async function loadForCli(dir: string | undefined, opts: Record<string, unknown>, command: string): Promise<CliLoad | undefined> {
  const operator = operatorRules(opts, command);
  if (!operator) return undefined;
  // DESIGN §5: without --repo, the current directory's repository, read as a commit.
  if (dir === undefined) return loadCommitForCli(opts, command, operator);
  const root = dir;
  const subPath = typeof opts["path"] === "string" ? opts["path"] : undefined;
  try {
    const snapshot = await readRepoDir(root, subPath === undefined ? {} : { subPath });
    const options = { ...(subPath === undefined ? {} : { subPath }), operator };
    const reader = dirCommitReader(root, subPath, operator);
    const common = { root, operator, ...(reader ? { readCommit: reader } : {}) };
    const bytes = snapshot.files.reduce((n, f) => n + f.content.length, 0);
    if (bytes < PARALLEL_PARSE_BYTES) return { ...common, result: loadFleet(snapshot, options) };
    const pool = new YamlParsePool();
    try {
      return { ...common, result: await loadFleetParallel(snapshot, pool, options) };
    } finally {
      await pool.close();
    }
  } catch (err) {
    if (err instanceof SourceReadError) {
      fail(command, failureOf(err), opts);
      return undefined;
    }
    throw err;
  }
}

/**
 * Reads the files and folders named on the command line as one set and
 * loads it; diagnostics name the files as given. Returns undefined after
 * printing why when one cannot be read.
 */
async function loadPathsForCli(paths: readonly string[], opts: Record<string, unknown>, command: string): Promise<CliLoad | undefined> {
  const operator = operatorRules(opts, command);
  if (!operator) return undefined;
  const subPath = typeof opts["path"] === "string" ? opts["path"] : undefined;
  try {
    const snapshot = await readRepoPaths(paths, subPath === undefined ? {} : { subPath });
    return { root: ".", operator, result: loadFleet(snapshot, { operator }) };
  } catch (err) {
    if (err instanceof SourceReadError) {
      fail(command, failureOf(err), opts);
      return undefined;
    }
    throw err;
  }
}

/** True when `paths` is one folder, read as a repository on disk the way DIR always was. */
async function isOneFolder(paths: readonly string[]): Promise<boolean> {
  if (paths.length !== 1) return false;
  try {
    return (await stat(paths[0]!)).isDirectory();
  } catch {
    return true; // loadForCli says why it cannot be read, as it always did
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
export async function runValidate(pathArgs: string | readonly string[] | undefined, opts: Record<string, unknown>): Promise<number> {
  const paths = pathArgs === undefined ? [] : typeof pathArgs === "string" ? [pathArgs] : pathArgs;
  const dir = paths.length === 0 ? undefined : paths[0];
  const asSet = paths.length > 0 && !(await isOneFolder(paths));
  const loaded = asSet ? await loadPathsForCli(paths, opts, "validate") : await loadForCli(dir, opts, "validate");
  if (loaded === undefined) return 1;
  // Only HEAD of the current directory's repository has a work tree next to it whose edits this run did not see.
  const readHead = dir === undefined && typeof opts["repo"] !== "string" && typeof opts["ref"] !== "string";
  if (readHead && loaded.source !== undefined) await warnUncommitted(loaded.source.commit.sha, opts);
  const { root, result } = loaded;
  const diagnostics = displayDiagnostics(root, result.diagnostics);
  if (opts["format"] === "json") {
    const summary = result.ok ? counts(result) : undefined;
    process.stdout.write(`${JSON.stringify({ valid: result.ok, root, diagnostics, ...(summary === undefined ? {} : { summary }) }, null, 2)}\n`);
    return result.ok ? 0 : 1;
  }
  if (opts["format"] === "github") {
    // Annotations only: the runner turns each into a note on the diff; the exit code says valid or not.
    for (const d of diagnostics) process.stdout.write(`${formatGithubAnnotation(d)}\n`);
    return result.ok ? 0 : 1;
  }
  for (const d of diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
  if (result.ok) {
    const c = counts(result);
    const n = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? "" : "s"}`;
    const label = loaded.source ? `${loaded.source.identity} at ${loaded.source.commit.sha.slice(0, 12)}` : asSet ? setLabel(paths) : root;
    process.stdout.write(`${label}: valid (${n(c.hosts, "host")}, ${n(c.services, "service")}, ${n(c.jobs, "job")}, ${n(c.templates, "template")}, ${c.policy ? "a policy" : "no policy"})\n`);
    return 0;
  }
  const errors = diagnostics.filter((d) => d.severity === "error");
  const files = new Set(errors.map((d) => d.file)).size;
  process.stdout.write(`${loaded.source ? `${loaded.source.identity} at ${loaded.source.commit.sha.slice(0, 12)}` : asSet ? setLabel(paths) : root}: invalid: ${errors.length} error${errors.length === 1 ? "" : "s"} in ${files} file${files === 1 ? "" : "s"}\n`);
  return 1;
}

/** Warns on stderr when fleet files differ from the HEAD just validated; the exit code stays validation's. */
async function warnUncommitted(sha: string, opts: Record<string, unknown>): Promise<void> {
  const subPath = typeof opts["path"] === "string" ? opts["path"] : undefined;
  const prefix = `berth validate: validated HEAD (${sha.slice(0, 12)})`;
  let files: string[];
  try {
    files = await uncommittedFleetFiles({ dir: ".", ...(subPath === undefined ? {} : { subPath }) });
  } catch (err) {
    process.stderr.write(`${prefix}; could not check the work tree for uncommitted changes: ${(err as Error).message}\n`);
    return;
  }
  if (files.length === 0) return;
  const onDisk = `berth validate .${subPath === undefined ? "" : ` --path ${subPath}`}`;
  process.stderr.write(`${prefix}; these fleet files have uncommitted changes and were not validated: ${files.join(", ")} — commit them, or run \`${onDisk}\` to check the files on disk\n`);
}

/** How the summary names a set of paths: the one path, or how many. */
function setLabel(paths: readonly string[]): string {
  return paths.length === 1 ? paths[0]! : `${paths.length} paths`;
}

function counts(result: LoadResult & { ok: true }): { hosts: number; services: number; jobs: number; templates: number; policy: boolean } {
  const f = result.fleet;
  return { hosts: f.hosts.length, services: f.services.length, jobs: f.jobs.length, templates: f.templates.length, policy: f.policy.source !== undefined };
}
