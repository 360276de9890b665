/**
 * What mapping one Compose service builds: the berth Service's fields as
 * they are found, the comments the output file will carry next to them,
 * and a way to warn at the position of any part of the Compose service.
 */
import type { Lookup } from "./interpolate.ts";
import type { ComposeMap } from "./read-compose-file.ts";
import type { ImportFindings } from "./warnings.ts";
import { whereItem, whereKey, type Where } from "./where.ts";

/** The project a service belongs to, as the mapping needs it. */
export interface ComposeProject {
  /** The Compose project name: named volumes are `<name>_<volume>` on the engine. */
  readonly name: string;
  /** Absolute folder of the first Compose file: relative bind mounts and env files start there. */
  readonly dir: string;
  /** The folder `~` stands for in bind mounts. */
  readonly home: string;
  /** Top-level `volumes:` and `secrets:`. */
  readonly volumes: ComposeMap;
  readonly secrets: ComposeMap;
  /** The project's variables (environment over `.env`), for `environment: [NAME]` entries. */
  readonly lookup: Lookup;
  /** Reads a file relative to `dir` (env_file); undefined when it cannot be read. */
  readonly readFile: (path: string) => string | undefined;
  /** The names the berth Services will have, by Compose service name. */
  readonly serviceNames: ReadonlyMap<string, string>;
}

export type Segment = string | number;

export class ServiceDraft {
  /** The berth spec fields, filled in by the mappers; written in berth's own order (write-yaml.ts). */
  readonly spec: Record<string, unknown> = {};
  readonly metadataLabels: Record<string, string> = {};
  /** Comments to write above output fields, by dotted berth path (`spec.volumes[0]`). */
  readonly notes = new Map<string, string[]>();
  /** Every warning about this service, also listed at the top of its file. */
  readonly warnings: { readonly at: Where; readonly text: string }[] = [];

  constructor(
    readonly composeName: string,
    readonly name: string,
    readonly service: ComposeMap,
    readonly at: Where,
    readonly project: ComposeProject,
    readonly findings: ImportFindings,
  ) {}

  /** The Compose path of a part of this service, for diagnostics. */
  path(segments: readonly Segment[]): string {
    return ["services", this.composeName, ...segments].map((s) => (typeof s === "number" ? `[${s}]` : s)).join(".").replace(/\.\[/g, "[");
  }

  /** Where a part of the service was written: its key, or its item in a list. */
  where(segments: readonly Segment[]): Where {
    let value: unknown = this.service;
    let at = this.at;
    for (const s of segments) {
      at = typeof s === "number" ? whereItem(value, s, at) : whereKey(value, s, at);
      value = typeof value === "object" && value !== null ? (value as Record<string | number, unknown>)[s] : undefined;
    }
    return at;
  }

  /** A warning at a part of the service, also listed in the output file's header. */
  warn(segments: readonly Segment[], message: string, code = "compose-unsupported"): void {
    const at = this.where(segments);
    this.findings.warn(at, code, message, this.path(segments));
    this.warnings.push({ at, text: `${at.file}:${at.line}:${at.col} ${this.path(segments).replace(/^services\.[^.[]+\.?/, "") || this.composeName}: ${message}` });
  }

  refuse(segments: readonly Segment[], message: string, code = "compose-refused"): void {
    this.findings.refuse(this.where(segments), code, message, this.path(segments));
  }

  /** A comment above an output field. */
  note(berthPath: string, line: string): void {
    const list = this.notes.get(berthPath) ?? [];
    list.push(line);
    this.notes.set(berthPath, list);
  }

  /** The list at `spec[field]`, created empty on first use. */
  list<T>(field: string): T[] {
    const existing = this.spec[field];
    if (Array.isArray(existing)) return existing as T[];
    const fresh: T[] = [];
    this.spec[field] = fresh;
    return fresh;
  }

  /** The mapping at `spec[field]`, created empty on first use. */
  map(field: string): Record<string, unknown> {
    const existing = this.spec[field];
    if (typeof existing === "object" && existing !== null && !Array.isArray(existing)) return existing as Record<string, unknown>;
    const fresh: Record<string, unknown> = {};
    this.spec[field] = fresh;
    return fresh;
  }
}
