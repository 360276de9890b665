/**
 * What the loader reads: a list of files with their text. The loader never
 * touches the disk or git itself; `read-dir.ts` builds this from a folder,
 * and the git source builds it from the files of a commit.
 */

export interface SourceFile {
  /** Path relative to the repository root, `/`-separated, no leading `./`. */
  readonly path: string;
  /** The file's text (UTF-8). */
  readonly content: string;
}

/** A file the source would not read, with the reason (a symlink out of the repository, a file too large...). */
export interface RefusedFile {
  readonly path: string;
  /** Stable reason code, e.g. `symlink-escape`, `file-too-large`, `not-utf8`. */
  readonly code: string;
  readonly message: string;
  /** Where in the file the reason lies (1-based), when it lies somewhere in particular; else the diagnostic points at 1:1. */
  readonly line?: number;
  readonly col?: number;
}

/** The files of one version of the repository. */
export interface RepoSnapshot {
  readonly files: readonly SourceFile[];
  /** Files the source refused to read; each becomes an error diagnostic. */
  readonly refused?: readonly RefusedFile[];
}

/** True for the files the loader reads: `.yaml`/`.yml`, outside hidden folders and `node_modules`, under `subPath` when given. */
export function isFleetFile(path: string, subPath?: string): boolean {
  if (!/\.ya?ml$/.test(path)) return false;
  const parts = path.split("/");
  // Hidden folders hold tool state (.git, .github, .vscode), and node_modules
  // other people's packages (their CI files are YAML too): not fleet documents.
  if (parts.slice(0, -1).some((p) => p.startsWith(".") || p === "node_modules")) return false;
  if (subPath === undefined) return true;
  const prefix = normaliseSubPath(subPath);
  return prefix === "" || path.startsWith(`${prefix}/`);
}

/** `./a/b/` → `a/b`; `.` → ``. */
export function normaliseSubPath(subPath: string): string {
  return subPath
    .split("/")
    .filter((p) => p !== "" && p !== ".")
    .join("/");
}
