/**
 * `.env` and `env_file` files as Compose reads them: `KEY=value` lines,
 * an optional `export ` before the key, `#` comments, values in single
 * quotes (literal), double quotes (escapes `\n`, `\t`, `\"`, `\\`, and
 * interpolation) or bare (trimmed, ` #` starts a comment, interpolation).
 * A variable may use the ones set above it in the same file.
 */
import { interpolate, type Lookup } from "./interpolate.ts";

export interface EnvEntry {
  readonly name: string;
  readonly value: string;
  /** 1-based line of the entry. */
  readonly line: number;
}

export interface EnvFileProblem {
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/** Parses an env file; `outside` resolves variables the file does not set itself. */
export function parseEnvFile(text: string, outside: Lookup): { entries: EnvEntry[]; problems: EnvFileProblem[] } {
  const entries: EnvEntry[] = [];
  const problems: EnvFileProblem[] = [];
  const own = new Map<string, string>();
  const lookup: Lookup = (name) => own.get(name) ?? outside(name);
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(=)?(.*)$/.exec(trimmed);
    if (m === null) {
      problems.push({ line, col: raw.indexOf(trimmed) + 1, message: `not a KEY=value line: ${JSON.stringify(trimmed)}` });
      return;
    }
    const name = m[1] ?? "";
    // `KEY` alone passes the variable through from the environment, when it is set there.
    if (m[2] === undefined) {
      const v = outside(name);
      if (v !== undefined) entries.push({ name, value: v, line });
      return;
    }
    const value = readValue((m[3] ?? "").trim(), lookup);
    if ("error" in value) {
      problems.push({ line, col: raw.indexOf("=") + 2, message: value.error });
      return;
    }
    own.set(name, value.value);
    entries.push({ name, value: value.value, line });
  });
  return { entries, problems };
}

function readValue(text: string, lookup: Lookup): { value: string } | { error: string } {
  if (text.startsWith("'")) {
    const end = text.indexOf("'", 1);
    if (end < 0) return { error: "the single quote is never closed" };
    return { value: text.slice(1, end) };
  }
  let body = text;
  if (text.startsWith('"')) {
    const end = closingDoubleQuote(text);
    if (end < 0) return { error: "the double quote is never closed" };
    body = text.slice(1, end).replace(/\\([nrt"\\])/g, (_m, c: string) => ({ n: "\n", r: "\r", t: "\t" })[c as "n"] ?? c);
  } else {
    const hash = text.search(/\s#/);
    if (hash >= 0) body = text.slice(0, hash).trimEnd();
  }
  const r = interpolate(body, lookup);
  return r.ok ? { value: r.value } : { error: r.message };
}

function closingDoubleQuote(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}
