/**
 * Reads a folder on disk as a repository snapshot, for `berth validate DIR`
 * (editors, pre-commit hooks, a checked-out pull request). It applies the
 * refusal rules a hostile repository calls for: symlinks that leave the
 * root, oversized files and files that are not UTF-8 are refused, hidden
 * folders and `node_modules` are skipped.
 */
import { lstat, readdir, readFile, realpath, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { decodeFleetFile } from "./decode-utf8.ts";
import { MAX_FILE_BYTES, REPO_CAPS, type RepoCaps } from "./limits.ts";
import { SourceReadError } from "./errors.ts";
import { RepoBudget } from "./repo-budget.ts";
import { isFleetFile, normaliseSubPath, type RefusedFile, type RepoSnapshot, type SourceFile } from "./source.ts";

export interface ReadDirOptions {
  /** Only read files under this sub-path of the root (`--path`). */
  readonly subPath?: string;
  /** Refuse files larger than this many bytes (default `MAX_FILE_BYTES`). */
  readonly maxFileBytes?: number;
  /** Stop reading past this many fleet files or bytes (default `REPO_CAPS`). */
  readonly caps?: RepoCaps;
}

/**
 * Reads every `.yaml`/`.yml` file under `root` (hidden folders and `node_modules` skipped).
 * Paths in the result are relative to `root`, `/`-separated. Past the
 * repository caps it stops reading and returns no files, only the refusal.
 * @throws {SourceReadError} when `root` (or the sub-path) is not a readable folder.
 * @example const snapshot = await readRepoDir("examples-repo");
 */
export async function readRepoDir(root: string, options: ReadDirOptions = {}): Promise<RepoSnapshot> {
  const maxBytes = options.maxFileBytes ?? MAX_FILE_BYTES;
  let realRoot: string;
  try {
    realRoot = await realpath(root);
    if (!(await stat(realRoot)).isDirectory()) throw new Error("not a folder");
  } catch (err) {
    throw new SourceReadError({ path: root, reason: (err as Error).message }, { cause: err });
  }
  const sub = normaliseSubPath(options.subPath ?? "");
  const start = sub === "" ? realRoot : join(realRoot, ...sub.split("/"));
  try {
    if (!(await stat(start)).isDirectory()) throw new Error("not a folder");
  } catch (err) {
    throw new SourceReadError({ path: join(root, sub), reason: (err as Error).message }, { cause: err });
  }

  const files: SourceFile[] = [];
  const refused: RefusedFile[] = [];
  const visited = new Set<string>([realRoot]);
  const budget = new RepoBudget(options.caps ?? REPO_CAPS);
  let over: RefusedFile | undefined;
  const insideRoot = (real: string): boolean => real === realRoot || real.startsWith(realRoot + sep);
  const toRel = (abs: string): string => relative(realRoot, abs).split(sep).join("/");

  async function walk(dir: string, relDir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (over) return;
      const abs = join(dir, entry.name);
      const rel = relDir === "" ? entry.name : `${relDir}/${entry.name}`;
      let isDir = entry.isDirectory();
      let target = abs;
      if (entry.isSymbolicLink()) {
        let real: string;
        try {
          real = await realpath(abs);
        } catch {
          if (/\.ya?ml$/.test(entry.name)) refused.push({ path: rel, code: "symlink-broken", message: `refused symlink ${JSON.stringify(rel)}: its target does not exist` });
          continue;
        }
        if (!insideRoot(real)) {
          refused.push({ path: rel, code: "symlink-escape", message: `refused symlink ${JSON.stringify(rel)}: it points outside the repository (to ${JSON.stringify(real)})` });
          continue;
        }
        target = real;
        isDir = (await stat(real)).isDirectory();
      }
      if (isDir) {
        if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
        const real = await realpath(target);
        if (visited.has(real)) continue; // a symlink loop, or a folder already read
        visited.add(real);
        await walk(target, rel);
        continue;
      }
      if (!isFleetFile(rel)) continue;
      const size = (await lstat(target)).size;
      // Counted before reading (the size is known here), so the file that goes
      // over a cap is not read; one refused for its size is never read, so
      // its bytes do not count.
      over = budget.take(rel, size > maxBytes ? 0 : size);
      if (over) return;
      if (size > maxBytes) {
        refused.push({ path: rel, code: "file-too-large", message: `refused ${JSON.stringify(rel)}: ${size} bytes is more than the ${maxBytes}-byte limit for one file` });
        continue;
      }
      const decoded = decodeFleetFile(rel, await readFile(target));
      if (decoded.ok) files.push({ path: rel, content: decoded.content });
      else refused.push(decoded.refused);
    }
  }

  await walk(start, toRel(start));
  if (over) return { files: [], refused: [...refused, over] };
  return { files, refused };
}
