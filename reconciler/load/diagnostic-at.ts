/**
 * Building diagnostics that point into a parsed document.
 */
import { formatPath, type Diagnostic, type Severity } from "./diagnostic.ts";
import type { ParsedDocument, PathSegment } from "./parse-yaml.ts";

export interface ReportOptions {
  /** Point at the key of the field rather than its value (for unknown or duplicate keys). */
  readonly key?: boolean;
  /** Point at this text inside the string value (e.g. one `${{ ... }}` expression). */
  readonly needle?: string;
  readonly severity?: Severity;
}

/** A diagnostic at the field `path` of `doc`. */
export function diagnosticAt(
  doc: ParsedDocument,
  path: readonly PathSegment[],
  code: string,
  message: string,
  options: ReportOptions = {},
): Diagnostic {
  const p =
    options.needle !== undefined ? doc.locateIn(path, options.needle) : path.length === 0 ? doc.start : doc.locate(path, options);
  return { file: doc.file, line: p.line, col: p.col, severity: options.severity ?? "error", code, message, path: formatPath(path) };
}
