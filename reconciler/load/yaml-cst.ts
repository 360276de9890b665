/**
 * Walking the concrete syntax tree (CST) that yaml's `Parser` builds, before
 * it is composed into a document. The walk keeps its own stack instead of
 * recursing: it is what checks that a document is not nested too deeply
 * for the recursive steps after it.
 */
import { CST } from "yaml";

/**
 * Calls `visit` for every node under `root` (the root too), in the order
 * they are written, with how many lists and mappings enclose or are the
 * node (a top-level mapping is at depth 1). The walk stops when `visit`
 * returns false.
 * @example walkCst(doc, (token, depth) => depth <= 64) // stops at the first node 65 levels deep
 */
export function walkCst(root: CST.Token, visit: (token: CST.Token, depth: number) => boolean | void): void {
  // Two parallel stacks rather than one of {token, depth} objects: this runs over every node of every file.
  const tokens: CST.Token[] = [root];
  const depths: number[] = [0];
  for (let token = tokens.pop(); token !== undefined; token = tokens.pop()) {
    const outer = depths.pop() ?? 0;
    const depth = CST.isCollection(token) ? outer + 1 : outer;
    if (visit(token, depth) === false) return;
    if (token.type === "document") {
      if (token.value !== undefined) {
        tokens.push(token.value);
        depths.push(depth);
      }
    } else if (CST.isCollection(token)) {
      // Pushed last item first, so the walk visits them in written order.
      for (let i = token.items.length - 1; i >= 0; i--) {
        const item: CST.CollectionItem | undefined = token.items[i];
        if (item?.value) {
          tokens.push(item.value);
          depths.push(depth);
        }
        if (item?.key) {
          tokens.push(item.key);
          depths.push(depth);
        }
      }
    }
  }
}
