/**
 * The warnings and refusals an import produces. Each points at the
 * Compose file, line and column it is about, and at the Compose path
 * (`services.web.cap_add`), in the loader's own `Diagnostic` shape so the
 * CLI prints both the same way.
 */
import type { Diagnostic } from "../load/diagnostic.ts";
import type { Where } from "./where.ts";

export class ImportFindings {
  readonly list: Diagnostic[] = [];

  /** Something berth cannot honour as written: said what berth does instead, or why it is dropped. */
  warn(at: Where, code: string, message: string, path: string): void {
    this.push(at, "warning", code, message, path);
  }

  /** Something the import cannot go on with (a `build:` without an image, a required variable unset). */
  refuse(at: Where, code: string, message: string, path: string): void {
    this.push(at, "error", code, message, path);
  }

  get hasErrors(): boolean {
    return this.list.some((d) => d.severity === "error");
  }

  private push(at: Where, severity: Diagnostic["severity"], code: string, message: string, path: string): void {
    // An anchor used twice is read twice; its warning is said once.
    if (this.list.some((d) => d.file === at.file && d.line === at.line && d.col === at.col && d.message === message)) return;
    this.list.push({ file: at.file, line: at.line, col: at.col, severity, code, message, path });
  }
}
