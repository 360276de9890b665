/**
 * How deeply a document nests lists and mappings, measured without
 * recursion so that measuring cannot overflow the stack it protects. The
 * YAML composer recurses once per level (100k `[` exhaust its stack; 100k
 * closed `[...]` or `- ` exhausted memory), so the syntax tree is measured
 * before composing. Aliases are measured after composing, before `toJS`:
 * a short document can expand to data far deeper than it is written (or
 * into a cycle), and every step after loading assumes the limit holds.
 */
import { isAlias, isMap, isNode, isSeq, type Alias, type CST, type Document } from "yaml";
import { MAX_NESTING_DEPTH } from "./limits.ts";
import { walkCst } from "./yaml-cst.ts";

export interface CstNesting {
  /** Offset of the first list or mapping that lies deeper than the limit, if any. */
  readonly deeperAt?: number;
  /** True when the document uses an alias, whose expansion `aliasNesting` must then measure. */
  readonly hasAliases: boolean;
}

/** Measures a parsed-but-not-composed document, stopping at the first node past `limit`. */
export function cstNesting(doc: CST.Document, limit = MAX_NESTING_DEPTH): CstNesting {
  let deeperAt: number | undefined;
  let hasAliases = false;
  walkCst(doc, (token, depth) => {
    if (token.type === "alias") hasAliases = true;
    if (depth <= limit) return true;
    deeperAt = token.offset;
    return false;
  });
  return deeperAt === undefined ? { hasAliases } : { deeperAt, hasAliases };
}

export interface AliasNesting {
  /** The alias whose expansion goes past the limit. */
  readonly alias: Alias;
  /** True when the alias refers to a collection that contains it (its expansion never ends). */
  readonly cycle: boolean;
}

interface Frame {
  readonly node: unknown;
  readonly children: readonly unknown[];
  next: number;
  /** Levels below this node found so far. */
  below: number;
}

/**
 * The first alias of a composed document whose expansion would nest past
 * `limit` (as `toJS` would expand it), or undefined. Each anchored
 * collection is measured once, so an alias bomb costs no more than its
 * text. Only needed when `cstNesting` found aliases: without them the
 * written depth is the depth.
 */
export function aliasNesting(doc: Document, limit = MAX_NESTING_DEPTH): AliasNesting | undefined {
  /** Levels of nesting in and under each finished collection. */
  const height = new Map<unknown, number>();
  /** The latest node carrying each anchor, in written order (what an alias resolves to). */
  const anchors = new Map<string, unknown>();
  const open = new Set<unknown>();
  const frames: Frame[] = [];
  const enter = (node: unknown): void => {
    if (isNode(node) && node.anchor !== undefined) anchors.set(node.anchor, node);
    if (!isMap(node) && !isSeq(node)) return; // a scalar: no levels of its own
    const children = isMap(node) ? node.items.flatMap((pair) => [pair.key, pair.value]) : node.items;
    open.add(node);
    frames.push({ node, children, next: 0, below: 0 });
  };

  enter(doc.contents);
  for (let top = frames.at(-1); top !== undefined; top = frames.at(-1)) {
    if (top.next < top.children.length) {
      const child = top.children[top.next++];
      if (!isAlias(child)) {
        enter(child);
        continue;
      }
      const target = anchors.get(child.source);
      if (target === undefined) continue; // unresolved: toJS reports it
      if (open.has(target)) return { alias: child, cycle: true };
      const levels = height.get(target) ?? 0;
      // `frames.length` collections enclose the alias; its expansion adds `levels` more.
      if (frames.length + levels > limit) return { alias: child, cycle: false };
      top.below = Math.max(top.below, levels);
      continue;
    }
    // Every child measured: the collection is finished.
    frames.pop();
    open.delete(top.node);
    const levels = top.below + 1;
    height.set(top.node, levels);
    const parent = frames.at(-1);
    if (parent !== undefined) parent.below = Math.max(parent.below, levels);
  }
  return undefined;
}
