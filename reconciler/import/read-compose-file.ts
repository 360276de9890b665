/**
 * Reads one Compose file into plain data with every position remembered
 * (where.ts): YAML anchors and aliases are followed, merge keys (`<<:`)
 * fill in the keys a mapping does not set itself, and every string value
 * is interpolated (interpolate.ts) with the project's variables, as
 * Compose does before it merges files. Syntax errors, an unset required
 * variable and alias bombs are refusals at their position.
 */
import { looksSecret } from "./map-environment.ts";
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { formatPath } from "../load/diagnostic.ts";
import { MAX_ALIAS_COUNT, MAX_NESTING_DEPTH } from "../load/limits.ts";
import { interpolate, type Lookup } from "./interpolate.ts";
import type { ImportFindings } from "./warnings.ts";
import { keySpots, remember, type Where } from "./where.ts";

export interface ComposeText {
  /** The path as the user gave it; diagnostics name the file so. */
  readonly path: string;
  readonly content: string;
}

export type ComposeMap = Record<string, unknown>;

/**
 * The file's top-level mapping, or undefined (with a refusal) when the file
 * is not YAML or not a mapping.
 */
export function readComposeFile(source: ComposeText, lookup: Lookup, findings: ImportFindings): ComposeMap | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source.content, { merge: true, lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number | undefined): Where => ({ file: source.path, ...lineCounter.linePos(offset ?? 0) });
  for (const e of doc.errors) findings.refuse(at(e.pos[0]), "yaml-syntax", `YAML syntax: ${e.message}`, "");
  for (const w of doc.warnings) {
    const tag = /Unresolved tag: (\S+)/.exec(w.message)?.[1];
    const message = tag === "!reset" || tag === "!override"
      ? `the ${tag} tag is not supported by berth import: the value is merged as if it were not there; remove the key from the file it resets instead`
      : `YAML: ${w.message}`;
    findings.warn(at(w.pos[0]), "yaml-warning", message, "");
  }
  if (doc.errors.length > 0) return undefined;
  const reader = new NodeReader(doc, at, lookup, findings, source.content);
  const value = doc.contents === null ? {} : reader.read(doc.contents as Node, []);
  if (reader.failed) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    findings.refuse(at(0), "compose-shape", `${source.path} is not a Compose file: its top level must be a mapping with a services: key`, "");
    return undefined;
  }
  return value as ComposeMap;
}

class NodeReader {
  failed = false;
  private aliases = 0;

  constructor(
    private readonly doc: Document,
    private readonly at: (offset: number | undefined) => Where,
    private readonly lookup: Lookup,
    private readonly findings: ImportFindings,
    private readonly text: string,
  ) {}

  read(node: Node | null | undefined, path: (string | number)[]): unknown {
    if (node === null || node === undefined) return null;
    if (path.length > MAX_NESTING_DEPTH) return this.stop(node, `nesting deeper than ${MAX_NESTING_DEPTH} levels; a Compose file needs only a few`, path);
    if (isAlias(node)) {
      if (++this.aliases > MAX_ALIAS_COUNT * 10) return this.stop(node, `more than ${MAX_ALIAS_COUNT * 10} alias uses; this looks like an alias bomb`, path);
      return this.read(node.resolve(this.doc) as Node | undefined, path);
    }
    if (isScalar(node)) return this.scalar(node.value, node.range ?? undefined, path);
    if (isSeq(node)) {
      const items: Where[] = [];
      const list = node.items.map((item, i) => {
        items.push(this.at((item as Node | null)?.range?.[0] ?? node.range?.[0]));
        return this.read(item as Node, [...path, i]);
      });
      return remember(list, this.at(node.range?.[0]), new Map(), items);
    }
    if (isMap(node)) return this.mapping(node, path);
    return null;
  }

  private mapping(node: Node & { items: { key: unknown; value: unknown }[] }, path: (string | number)[]): unknown {
    const out: Record<string, unknown> = {};
    const keys = new Map<string, Where>();
    const merged: Node[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const keyValue = isScalar(keyNode) ? keyNode.value : keyNode;
      if (typeof keyValue === "symbol" || keyValue === "<<") {
        const source = pair.value as Node;
        const resolved = isAlias(source) ? source.resolve(this.doc) : source;
        if (isSeq(resolved)) merged.push(...(resolved.items as Node[]));
        else merged.push(source);
        continue;
      }
      const key = String(keyValue);
      define(out, key, this.read(pair.value as Node, [...path, key]));
      keys.set(key, this.at(keyNode?.range?.[0]));
    }
    // Keys a mapping sets itself win over merged ones; of the merged mappings, the first listed wins.
    for (const source of merged) {
      const value = this.read(source, path);
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        this.stop(source, "a merge key (<<) takes a mapping or a list of mappings", path);
        continue;
      }
      for (const [key, v] of Object.entries(value)) {
        if (Object.hasOwn(out, key)) continue;
        define(out, key, v);
        // Where the key is written inside the anchored mapping, so a warning points at the text itself.
        keys.set(key, keySpots(value).get(key) ?? this.at(source.range?.[0]));
      }
    }
    return remember(out, this.at(node.range?.[0]), keys);
  }

  private scalar(value: unknown, range: readonly number[] | undefined, path: (string | number)[]): unknown {
    if (typeof value !== "string") return value;
    const used: string[] = [];
    const r = interpolate(value, (name) => {
      const v = this.lookup(name);
      if (v !== undefined) used.push(name);
      return v;
    });
    if (r.ok) {
      const leak = used.find((name) => looksSecret(name) && !becomesSecretRef(path, value));
      if (leak !== undefined) {
        // The berth files go into git: a secret's value interpolated into a command, a URL or a health check would be published there.
        this.failed = true;
        this.findings.refuse(
          this.within(range, new RegExp(`\\$\\{?${leak}\\b`)),
          "secret-in-value",
          `\${${leak}} looks like a secret, and its value would be written into the berth files, which live in git: give the container ${leak} as a variable of its own (it becomes a secretEnv reference the reconciler resolves, never a value) and build this value inside the container`,
          formatPath(path),
        );
        return "";
      }
      for (const name of r.unset) {
        this.findings.warn(this.within(range, new RegExp(`\\$\\{?${name}\\b`)), "variable-unset", `variable ${name} is not set: it becomes "" (set it in .env or the environment, or write \${${name}:-default})`, formatPath(path));
      }
      return r.value;
    }
    this.failed = true;
    const expression = value.slice(r.offset).split("}")[0] ?? "$";
    this.findings.refuse(this.within(range, expression), "interpolation", r.message, formatPath(path));
    return "";
  }

  /** Where `needle` is written inside the scalar at `range` (its start when it cannot be found, e.g. across an escape). */
  private within(range: readonly number[] | undefined, needle: string | RegExp): Where {
    const start = range?.[0] ?? 0;
    const raw = this.text.slice(start, range?.[1] ?? start);
    const i = typeof needle === "string" ? raw.indexOf(needle) : raw.search(needle);
    return this.at(start + Math.max(i, 0));
  }

  private stop(node: Node, message: string, path: (string | number)[]): null {
    this.failed = true;
    this.findings.refuse(this.at(node.range?.[0]), "yaml-refused", `refused: ${message}`, formatPath(path));
    return null;
  }
}

/**
 * True for an `environment` entry whose own name looks secret (`DB_PASSWORD:
 * ${DB_PASSWORD}`, or `- DB_PASSWORD=${DB_PASSWORD}`): map-environment.ts
 * turns it into a secretEnv reference and writes no value.
 */
function becomesSecretRef(path: readonly (string | number)[], raw: string): boolean {
  const i = path.indexOf("environment");
  if (i < 0 || i !== path.length - 2) return false;
  const key = path[i + 1];
  const name = typeof key === "string" ? key : raw.split("=")[0]!;
  return looksSecret(name);
}

/** Sets `key` as an own property even when it is `__proto__`. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}
