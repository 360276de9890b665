/**
 * `berth import compose FILE…`: turn Compose files into berth Service
 * files. Diagnostics go to stderr as `file:line:col: warning: …`; the
 * files go to `--out DIR` (one per service), or to stdout as one YAML
 * stream (`---` between documents) that is itself a valid berth file.
 * Nothing is written when anything is refused (or, with --strict, warned).
 * Exit status: 0 imported, 1 refused.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { formatDiagnostic, type Diagnostic } from "../load/diagnostic.ts";
import { importCompose, type ComposeImport } from "../import/import-compose.ts";

export interface ImportCliOptions {
  readonly out?: string;
  readonly prefix?: string;
  readonly envFile?: readonly string[];
  readonly profile?: readonly string[];
  readonly strict?: boolean;
  readonly check?: boolean;
  readonly json?: boolean;
}

/** Runs the import; returns the exit code. */
export function runImportCompose(files: readonly string[], opts: ImportCliOptions): number {
  const result = importCompose({
    files,
    readFile: (p) => {
      try {
        return fs.readFileSync(p, "utf8");
      } catch {
        return undefined;
      }
    },
    cwd: process.cwd(),
    home: os.homedir(),
    environment: process.env,
    ...(opts.envFile ? { envFiles: opts.envFile } : {}),
    ...(opts.profile ? { profiles: opts.profile } : {}),
    ...(opts.prefix ? { prefix: opts.prefix } : {}),
  });
  // --strict: every warning is an error, so nothing is written and the exit status is 1.
  const diagnostics: Diagnostic[] = result.diagnostics.map((d) => (opts.strict && d.severity === "warning" ? { ...d, severity: "error" } : d));
  const ok = result.ok && !diagnostics.some((d) => d.severity === "error");
  const written = ok && !opts.check && opts.out !== undefined ? write(result, opts.out) : [];
  if (opts.json) {
    const services = result.services.map((s) => ({ name: s.name, compose: s.composeName, ...(written.length ? { file: path.join(opts.out ?? ".", s.file) } : {}), document: s.document }));
    process.stdout.write(`${JSON.stringify({ ok, diagnostics, services: opts.check ? [] : services }, null, 2)}\n`);
    return ok ? 0 : 1;
  }
  const stream = opts.check ? process.stdout : process.stderr;
  for (const d of diagnostics) stream.write(`${formatDiagnostic(d)}\n`);
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  const errors = diagnostics.length - warnings;
  const counts = `${plural(errors, "refusal")}, ${plural(warnings, "warning")}`;
  if (opts.check) {
    stream.write(`${files.join(", ")}: ${ok ? `can be imported (${plural(result.services.length, "service")})` : "cannot be imported as it is"}: ${counts}\n`);
    return ok ? 0 : 1;
  }
  if (!ok) {
    process.stderr.write(`berth import compose: nothing written: ${counts}${opts.strict ? " (--strict counts warnings as refusals)" : ""}\n`);
    return 1;
  }
  if (opts.out === undefined) {
    process.stdout.write(result.services.map((s) => s.content).join("---\n"));
  } else {
    for (const f of written) process.stderr.write(`wrote ${f}\n`);
    process.stderr.write(`berth import compose: ${plural(written.length, "service")} in ${opts.out} (${plural(warnings, "warning")}); next: berth validate ${opts.out}\n`);
  }
  return 0;
}

function write(result: ComposeImport, out: string): string[] {
  fs.mkdirSync(out, { recursive: true });
  return result.services.map((s) => {
    const file = path.join(out, s.file);
    fs.writeFileSync(file, s.content);
    return file;
  });
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
