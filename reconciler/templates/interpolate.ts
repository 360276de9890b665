/**
 * `${{ name }}` substitution in template strings. It is a lookup in a flat
 * table of known names: no expressions, no evaluation, nothing that can run
 * code. A name that is not in the table is reported, never guessed.
 */

/** Matches one `${{ ... }}` expression; group 1 is the name, trimmed by the lazy match and `\s*`. */
const EXPRESSION = /\$\{\{\s*(.*?)\s*\}\}/g;

export interface UnknownName {
  /** The name as written, e.g. `params.pth`. */
  readonly name: string;
  /** The whole expression as written, e.g. `${{ params.pth }}`, to locate it in the file. */
  readonly expression: string;
}

export interface Interpolated {
  readonly value: string;
  readonly unknown: readonly UnknownName[];
  /** The names that were found and substituted, in order of use. */
  readonly used: readonly string[];
}

/**
 * Replaces every `${{ name }}` in `text` with `values.get(name)`. Unknown
 * names are left as written and listed in `unknown`.
 * @example interpolate("--dir=${{ params.path }}", new Map([["params.path", "/logs"]])).value // "--dir=/logs"
 */
export function interpolate(text: string, values: ReadonlyMap<string, string>): Interpolated {
  if (!text.includes("${{")) return { value: text, unknown: [], used: [] };
  const unknown: UnknownName[] = [];
  const used: string[] = [];
  const value = text.replace(EXPRESSION, (expression: string, name: string) => {
    const found = values.get(name);
    if (found !== undefined) {
      used.push(name);
      return found;
    }
    unknown.push({ name, expression });
    return expression;
  });
  return { value, unknown, used };
}

/** Every name used in `${{ ... }}` expressions of `text`, with the expression as written. */
export function namesIn(text: string): UnknownName[] {
  const out: UnknownName[] = [];
  for (const m of text.matchAll(EXPRESSION)) out.push({ name: m[1] ?? "", expression: m[0] });
  return out;
}
