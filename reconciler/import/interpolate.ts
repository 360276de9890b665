/**
 * Variable interpolation as the Compose specification defines it, applied
 * to every string value of a Compose file before anything else reads it:
 * `$VAR`, `${VAR}`, `${VAR:-default}` (unset or empty), `${VAR-default}`
 * (unset), `${VAR:?error}` / `${VAR?error}` (required), `${VAR:+other}` /
 * `${VAR+other}` (replacement), `$$` for a literal `$`. Defaults and
 * messages may themselves hold `${...}`.
 */

/** Looks a variable up: its value, or undefined when it is not set. */
export type Lookup = (name: string) => string | undefined;

export type Interpolated =
  | { readonly ok: true; readonly value: string; /** Variables used without a default that are not set (they became ""). */ readonly unset: readonly string[] }
  | { readonly ok: false; /** Offset in the text of the `$` that failed. */ readonly offset: number; readonly message: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * Interpolates `text`.
 * @example interpolate("${TAG:-latest}", () => undefined) // { ok: true, value: "latest", unset: [] }
 * @example interpolate("${DB_PASSWORD:?set it in .env}", () => undefined) // { ok: false, offset: 0, message: "required variable DB_PASSWORD is not set: set it in .env" }
 */
export function interpolate(text: string, lookup: Lookup): Interpolated {
  const unset: string[] = [];
  let out = "";
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf("$", i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next === "$") {
      out += "$";
      i = dollar + 2;
      continue;
    }
    if (next === "{") {
      const close = matchingBrace(text, dollar + 1);
      if (close < 0) return { ok: false, offset: dollar, message: `"\${" is never closed with "}"; write $$ for a literal $` };
      const r = expand(text.slice(dollar + 2, close), lookup, dollar);
      if (!r.ok) return r;
      out += r.value;
      unset.push(...r.unset);
      i = close + 1;
      continue;
    }
    const name = NAME.exec(text.slice(dollar + 1))?.[0];
    if (name === undefined) {
      // A lone `$` (before a space, a digit, the end): kept as written, as Compose does.
      out += "$";
      i = dollar + 1;
      continue;
    }
    const value = lookup(name);
    if (value === undefined) unset.push(name);
    out += value ?? "";
    i = dollar + 1 + name.length;
  }
  return { ok: true, value: out, unset };
}

/** The body of one `${...}`: a name, then optionally an operator and a word that may itself be interpolated. */
function expand(body: string, lookup: Lookup, offset: number): Interpolated {
  const name = NAME.exec(body)?.[0];
  if (name === undefined) return { ok: false, offset, message: `"\${${body}}" does not start with a variable name (letters, digits and _)` };
  const rest = body.slice(name.length);
  const value = lookup(name);
  if (rest === "") return { ok: true, value: value ?? "", unset: value === undefined ? [name] : [] };
  const op = /^(:-|-|:\?|\?|:\+|\+)/.exec(rest)?.[0];
  if (op === undefined) return { ok: false, offset, message: `"\${${body}}": after the name comes }, :-, -, :?, ?, :+ or +` };
  const word = (): Interpolated => interpolate(rest.slice(op.length), lookup);
  const present = op.startsWith(":") ? value !== undefined && value !== "" : value !== undefined;
  switch (op) {
    case ":-":
    case "-":
      return present ? { ok: true, value: value ?? "", unset: [] } : word();
    case ":+":
    case "+":
      return present ? word() : { ok: true, value: "", unset: [] };
    default: {
      if (present) return { ok: true, value: value ?? "", unset: [] };
      const message = word();
      const why = message.ok && message.value !== "" ? `: ${message.value}` : "";
      return { ok: false, offset, message: `required variable ${name} is ${value === undefined ? "not set" : "empty"}${why}` };
    }
  }
}

/** Index of the `}` closing the `{` at `open`, nested `${...}` counted; -1 when there is none. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return i;
  }
  return -1;
}
