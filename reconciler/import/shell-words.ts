/**
 * Splits a command written as one string (`command: npm run start -- --port 80`)
 * into words the way Compose does: on blanks, with '…' and "…" quoting and
 * backslash escapes, and no other shell syntax (no variables, globs or
 * pipes; `sh -c` is for those). Small enough to keep here rather than take
 * a shell-parsing package whose operators (`|`, `&&`) Compose does not have.
 */

/**
 * @example shellWords(`sh -c 'echo "hi there"'`) // ["sh", "-c", 'echo "hi there"']
 * @returns the words, or an error when a quote is never closed.
 */
export function shellWords(text: string): { words: string[] } | { error: string } {
  const words: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word = (word ?? "") + c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && /["\\$`]/.test(text[i + 1] ?? "")) word = (word ?? "") + (text[++i] ?? "");
      else word = (word ?? "") + c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= "";
    } else if (c === "\\") {
      word = (word ?? "") + (text[++i] ?? "");
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (quote !== undefined) return { error: `the ${quote === "'" ? "single" : "double"} quote is never closed` };
  if (word !== undefined) words.push(word);
  return { words };
}
