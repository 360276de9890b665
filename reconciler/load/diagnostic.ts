/**
 * Diagnostics: what users are told when a file is wrong. Each points at a
 * file, a 1-based line and column, and the JSON path of the field, so an
 * editor can jump there and a person can read it without the file open.
 */

export type Severity = "error" | "warning";

export interface Diagnostic {
  /** Path relative to the repository root, `/`-separated. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
  readonly severity: Severity;
  /** A stable identifier of the kind of problem, e.g. `schema`, `yaml-syntax`, `unknown-template`. */
  readonly code: string;
  readonly message: string;
  /** Dotted JSON path of the field, e.g. `spec.rollout.maxSurge` or `spec.ports[0].hostPort`; empty for the whole file. */
  readonly path: string;
}

/**
 * Formats a diagnostic as `file:line:col: error: message (at path)`.
 * @example formatDiagnostic(d) // "web.yaml:12:17: error: must be >= 0 (at spec.rollout.maxSurge)"
 */
export function formatDiagnostic(d: Diagnostic, filePrefix = ""): string {
  const at = d.path === "" ? "" : ` (at ${d.path})`;
  return `${filePrefix}${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}${at}`;
}

/**
 * Formats a diagnostic as a GitHub Actions workflow command, so the runner
 * shows it on the pull request's diff: `::error file=…,line=…,col=…::message (at path)`.
 * Escaped as the runner parses it: `%`, CR and LF everywhere, and also `:` and `,` in the properties.
 * @example formatGithubAnnotation(d) // "::error file=web.yaml,line=12,col=17::must be >= 0 (at spec.rollout.maxSurge)"
 */
export function formatGithubAnnotation(d: Diagnostic): string {
  const at = d.path === "" ? "" : ` (at ${d.path})`;
  return `::${d.severity} file=${escapeProperty(d.file)},line=${d.line},col=${d.col}::${escapeData(`${d.message}${at}`)}`;
}

function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/** Orders diagnostics by file, line, column, then message, so output is stable run to run. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      compareText(a.file, b.file) || a.line - b.line || a.col - b.col || compareText(a.message, b.message),
  );
}

/** True when any diagnostic is an error (warnings do not make a repository invalid). */
export function hasErrors(list: readonly Diagnostic[]): boolean {
  return list.some((d) => d.severity === "error");
}

/** Turns `["spec", "ports", 0, "hostPort"]` into `spec.ports[0].hostPort`. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
