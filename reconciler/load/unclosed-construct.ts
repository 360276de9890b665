/**
 * An unclosed `[`, `{` or quote is noticed where the text stops making
 * sense — often lines later, at the next key — and yaml reports it there.
 * What a person needs is where the construct began; this finds the opener
 * of each such error in the document's syntax tree, so the diagnostic can
 * point at it and still say where the problem was noticed.
 */
import type { CST, YAMLError } from "yaml";
import { walkCst } from "./yaml-cst.ts";

export interface Unclosed {
  /** Offset of the opening `[`, `{` or quote. */
  readonly began: number;
  /** What was left open, as the message names it, e.g. `flow sequence "["`. */
  readonly construct: string;
}

/** yaml's messages for a flow collection that has no closing bracket (at the top level, or inside a block collection). */
const UNCLOSED_FLOW = /^Flow (sequence|map) (?:in block collection )?must (?:be sufficiently indented and )?end with a [\]}]$/;
const UNCLOSED_QUOTE: Readonly<Record<string, "double-quoted-scalar" | "single-quoted-scalar">> = {
  'Missing closing "quote': "double-quoted-scalar",
  "Missing closing 'quote": "single-quoted-scalar",
};
const CONSTRUCT = {
  "flow-seq": 'flow sequence "["',
  "flow-map": 'flow map "{"',
  "double-quoted-scalar": `double-quoted string '"'`,
  "single-quoted-scalar": `single-quoted string "'"`,
} as const;

interface OpenToken {
  readonly kind: keyof typeof CONSTRUCT;
  readonly began: number;
  /** Where yaml reports a quote missing: the end of the scalar's text. Unused for brackets. */
  readonly end: number;
}

/**
 * The opener of each of `errors` that is about an unclosed bracket or quote
 * in `doc`; other errors are not in the map.
 */
export function findUnclosed(doc: CST.Document, errors: readonly YAMLError[]): Map<YAMLError, Unclosed> {
  const found = new Map<YAMLError, Unclosed>();
  const wanted = errors.filter((e) => UNCLOSED_FLOW.test(e.message) || UNCLOSED_QUOTE[e.message] !== undefined);
  if (wanted.length === 0) return found;
  const open = openTokens(doc);
  const used = new Set<OpenToken>();
  for (const err of wanted) {
    const at = err.pos[0];
    const quote = UNCLOSED_QUOTE[err.message];
    const flow = UNCLOSED_FLOW.exec(err.message)?.[1] === "map" ? "flow-map" : "flow-seq";
    // A quote is reported exactly at the end of its text. A bracket is reported after its last item:
    // yaml reports inner collections before the ones holding them, so the nearest unused opener before the report is the one.
    const token =
      quote !== undefined
        ? open.find((t) => t.kind === quote && t.end === at)
        : open.findLast((t) => t.kind === flow && t.began <= at && !used.has(t));
    if (token === undefined) continue;
    used.add(token);
    found.set(err, { began: token.began, construct: CONSTRUCT[token.kind] });
  }
  return found;
}

/** Every bracket pair and quoted scalar of `doc` that is not closed, in written order. */
function openTokens(doc: CST.Document): OpenToken[] {
  const out: OpenToken[] = [];
  walkCst(doc, (token) => {
    if (token.type === "flow-collection") {
      const isMap = token.start.source === "{";
      if (token.end[0]?.source !== (isMap ? "}" : "]")) out.push({ kind: isMap ? "flow-map" : "flow-seq", began: token.offset, end: token.offset });
    } else if (token.type === "double-quoted-scalar" || token.type === "single-quoted-scalar") {
      // The same test as yaml's own: one quote alone, or text that does not end with its quote.
      const quote = token.type === "double-quoted-scalar" ? '"' : "'";
      if (token.source.length === 1 || !token.source.endsWith(quote)) out.push({ kind: token.type, began: token.offset, end: token.offset + token.source.length });
    }
  });
  return out;
}
