/**
 * Parses one YAML file into documents that remember where every value came
 * from, so schema and cross-document errors can point at a line and column.
 * Refuses what a hostile file could use against the reconciler: alias
 * bombs, nesting deep enough to exhaust the stack, files over the size cap,
 * and tags outside YAML's core schema.
 */
import { Composer, isAlias, isMap, isScalar, isSeq, LineCounter, Parser, visit, type CST, type Document, type Node } from "yaml";
import type { Diagnostic } from "./diagnostic.ts";
import { ALLOWED_TAGS, MAX_ALIAS_COUNT, MAX_FILE_BYTES, MAX_NESTING_DEPTH } from "./limits.ts";
import { aliasNesting, cstNesting, type CstNesting } from "./nesting-depth.ts";
import type { SourceFile } from "./source.ts";
import { findUnclosed } from "./unclosed-construct.ts";

const TOO_DEEP = `nesting deeper than ${MAX_NESTING_DEPTH} levels of lists and mappings; berth documents need only a few, so this one is not read`;

export type PathSegment = string | number;

export interface Position {
  readonly line: number;
  readonly col: number;
}

/** One YAML document of a file: its data and a way back to positions. */
export interface ParsedDocument {
  readonly file: string;
  /** 0-based index of the document in its file. */
  readonly index: number;
  /** Position of the document's first node. */
  readonly start: Position;
  /** The document as plain data (maps are objects). */
  readonly value: unknown;
  /**
   * Position of the value at `path`, or of its key with `{ key: true }`.
   * A path that does not exist resolves to the deepest part that does.
   */
  locate(path: readonly PathSegment[], options?: { key?: boolean }): Position;
  /** Position of `needle` inside the string value at `path` (the value's start when it cannot be found). */
  locateIn(path: readonly PathSegment[], needle: string): Position;
}

export interface ParsedFile {
  readonly documents: readonly ParsedDocument[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Parses every document of a file. A document with a syntax error, an alias
 * bomb, too deep a nesting or a refused tag yields diagnostics and no
 * `ParsedDocument`; an empty one yields nothing; the other documents of the
 * file are still returned.
 */
export function parseYamlFile(source: SourceFile, maxBytes = MAX_FILE_BYTES): ParsedFile {
  const file = source.path;
  const bytes = Buffer.byteLength(source.content, "utf8");
  if (bytes > maxBytes) {
    return {
      documents: [],
      diagnostics: [
        fileError(file, "file-too-large", `refused ${JSON.stringify(file)}: ${bytes} bytes is more than the ${maxBytes}-byte limit for one file`),
      ],
    };
  }
  const lineCounter = new LineCounter();
  const pos = (offset: number): Position => lineCounter.linePos(offset);
  const documents: ParsedDocument[] = [];
  const diagnostics: Diagnostic[] = [];

  const mayHaveTags = source.content.includes("!");
  composeDocuments(source.content, lineCounter).forEach(({ doc, tree, nesting }, index) => {
    if (nesting.deeperAt !== undefined) {
      diagnostics.push({ file, ...pos(nesting.deeperAt), severity: "error", code: "yaml-too-deep", message: `refused document: ${TOO_DEEP}`, path: "" });
      return;
    }
    let ok = true;
    const unclosed = doc.errors.length === 0 ? undefined : findUnclosed(tree, doc.errors);
    for (const err of doc.errors) {
      ok = false;
      const opener = unclosed?.get(err);
      if (opener !== undefined) {
        const noticed = pos(err.pos[0]);
        const message = `${opener.construct} is never closed (noticed at ${noticed.line}:${noticed.col})`;
        diagnostics.push({ file, ...pos(opener.began), severity: "error", code: "yaml-syntax", message, path: "" });
        continue;
      }
      const p = pos(err.pos[0]);
      diagnostics.push({ file, ...p, severity: "error", code: "yaml-syntax", message: `YAML syntax: ${err.message}`, path: "" });
    }
    for (const warning of doc.warnings) {
      // Unresolved tags are reported below as refused tags; the rest are worth showing.
      if (warning.code === "TAG_RESOLVE_FAILED") continue;
      const p = pos(warning.pos[0]);
      diagnostics.push({ file, ...p, severity: "warning", code: "yaml-warning", message: `YAML: ${warning.message}`, path: "" });
    }
    // Every tag is written with "!": a file without one has none, and walking every node costs time.
    if (mayHaveTags) visit(doc, {
      Node(_key, node) {
        if (node.tag !== undefined && !ALLOWED_TAGS.has(node.tag)) {
          ok = false;
          const p = pos(tagOffset(source.content, node.range?.[0] ?? 0));
          diagnostics.push({ file, ...p, severity: "error", code: "yaml-tag", message: `refused YAML tag ${JSON.stringify(node.tag)}: only plain YAML (no custom tags) is accepted`, path: "" });
        }
      },
    });
    if (!ok) return;
    // An empty document (a trailing or doubled `---`, or only comments) holds nothing: skipped, as kubectl skips it.
    if (tree.value === undefined || doc.contents === null) return;
    if (nesting.hasAliases) {
      const deep = aliasNesting(doc);
      if (deep !== undefined) {
        const message = deep.cycle
          ? `refused document: alias *${deep.alias.source} refers to a list or mapping that contains it, so it would nest without end`
          : `refused document: alias *${deep.alias.source} expands to ${TOO_DEEP}`;
        diagnostics.push({ file, ...pos(deep.alias.range?.[0] ?? 0), severity: "error", code: "yaml-too-deep", message, path: "" });
        return;
      }
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      const p = pos(doc.contents.range[0]);
      const bomb = err instanceof ReferenceError && /excessive alias count/i.test(err.message);
      const message = bomb
        ? `refused document: its aliases expand to too much data (more than ${MAX_ALIAS_COUNT} alias uses); this looks like an alias bomb`
        : `YAML: cannot read document: ${(err as Error).message}`;
      diagnostics.push({ file, ...p, severity: "error", code: bomb ? "yaml-alias-bomb" : "yaml-syntax", message, path: "" });
      return;
    }
    documents.push(makeParsedDocument(file, index, doc, value, pos, source.content));
  });
  return { documents, diagnostics };
}

interface ComposedDocument {
  readonly doc: Document.Parsed;
  /** The document's syntax tree, where unclosed brackets and quotes are found. */
  readonly tree: CST.Document;
  readonly nesting: CstNesting;
}

/**
 * The documents of `text`. Parsing to a syntax tree does not recurse;
 * composing it into documents does, so each document's depth is measured
 * in between, and a document too deep is composed without its contents.
 * (A function of its own so that no closure kept by a `ParsedDocument`
 * holds on to the syntax trees.)
 */
function composeDocuments(text: string, lineCounter: LineCounter): ComposedDocument[] {
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text));
  const trees: { tree: CST.Document; nesting: CstNesting }[] = [];
  const composable = tokens.map((token): CST.Token => {
    if (token.type !== "document") return token;
    const nesting = cstNesting(token);
    trees.push({ tree: token, nesting });
    if (nesting.deeperAt === undefined) return token;
    const { value: _tooDeep, ...empty } = token;
    return empty;
  });
  // The composer makes one document per `document` token, in order.
  const docs = Array.from(new Composer({ uniqueKeys: true }).compose(composable));
  return docs.flatMap((doc, i) => {
    const t = trees[i];
    return t === undefined ? [] : [{ doc, ...t }];
  });
}

/**
 * A parsed file as plain data (no YAML nodes, no functions), so it can
 * cross a worker-thread boundary. `withPositions` turns it back into a
 * `ParsedFile`.
 */
export interface PlainParsedFile {
  readonly file: string;
  readonly documents: readonly { readonly index: number; readonly start: Position; readonly value: unknown }[];
  readonly diagnostics: readonly Diagnostic[];
}

/** `parseYamlFile` without the position index: what a parse worker sends back. */
export function parseYamlFilePlain(source: SourceFile, maxBytes = MAX_FILE_BYTES): PlainParsedFile {
  const parsed = parseYamlFile(source, maxBytes);
  return {
    file: source.path,
    documents: parsed.documents.map((d) => ({ index: d.index, start: d.start, value: d.value })),
    diagnostics: parsed.diagnostics,
  };
}

/**
 * Rebuilds a `ParsedFile` from plain data. Positions are found by parsing
 * `source` again on first use, which only happens when a diagnostic points
 * into the file: a valid file is parsed once.
 */
export function withPositions(source: SourceFile, plain: PlainParsedFile, maxBytes = MAX_FILE_BYTES): ParsedFile {
  let full: ParsedFile | undefined;
  const original = (index: number): ParsedDocument | undefined => {
    full ??= parseYamlFile(source, maxBytes);
    return full.documents.find((d) => d.index === index);
  };
  return {
    diagnostics: plain.diagnostics,
    documents: plain.documents.map(
      (d): ParsedDocument => ({
        file: plain.file,
        index: d.index,
        start: d.start,
        value: d.value,
        locate: (path, options) => original(d.index)?.locate(path, options) ?? d.start,
        locateIn: (path, needle) => original(d.index)?.locateIn(path, needle) ?? d.start,
      }),
    ),
  };
}

function makeParsedDocument(
  file: string,
  index: number,
  doc: Document,
  value: unknown,
  pos: (offset: number) => Position,
  text: string,
): ParsedDocument {
  const root = doc.contents as Node;
  const start = pos(root.range?.[0] ?? 0);

  /** Walks `path`; returns the deepest node reached and the key node of the last map entry taken. */
  function walk(path: readonly PathSegment[]): { node: Node | null; key: Node | null; complete: boolean } {
    let node: Node | null = root;
    let key: Node | null = null;
    for (const segment of path) {
      let current: unknown = node;
      if (isAlias(current)) current = current.resolve(doc) ?? null;
      if (isMap(current)) {
        const pair = current.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (pair === undefined) return { node, key, complete: false };
        key = pair.key as Node;
        if (pair.value === null || pair.value === undefined) return { node: key, key, complete: true };
        node = pair.value as Node;
      } else if (isSeq(current) && typeof segment === "number") {
        const item = current.items[segment];
        if (item === undefined || item === null) return { node, key, complete: false };
        node = item as Node;
        key = null;
      } else {
        return { node, key, complete: false };
      }
    }
    return { node, key, complete: true };
  }

  return {
    file,
    index,
    start,
    value,
    locate(path, options = {}) {
      const found = walk(path);
      const target = options.key === true && found.complete && found.key !== null ? found.key : found.node;
      return pos(target?.range?.[0] ?? root.range?.[0] ?? 0);
    },
    locateIn(path, needle) {
      const found = walk(path);
      const range = found.node?.range;
      if (range === undefined || range === null) return start;
      const at = text.slice(range[0], range[1]).indexOf(needle);
      return pos(range[0] + Math.max(at, 0));
    },
  };
}

/** Where the tag written before a node starts (a node's range begins after its tag); the node itself when the tag is on another line. */
function tagOffset(text: string, nodeStart: number): number {
  let end = nodeStart;
  while (end > 0 && (text[end - 1] === " " || text[end - 1] === "\t")) end--;
  let start = end;
  while (start > 0 && !/\s/.test(text[start - 1] ?? " ")) start--;
  return text[start] === "!" ? start : nodeStart;
}

function fileError(file: string, code: string, message: string): Diagnostic {
  return { file, line: 1, col: 1, severity: "error", code, message, path: "" };
}

/** A schema-valid document together with the parsed YAML it came from. */
export interface Located<T> {
  readonly doc: T;
  readonly at: ParsedDocument;
}
