/**
 * Hides the secret values berth resolved and injected into a pod in the text
 * it reads back from that pod — a crashed container's last lines, a job's
 * output, an engine's error that quotes the container's environment — before
 * that text becomes a failure reason, a rollout event, `/status`, a log line
 * or a journal entry.
 *
 * The rule, for every resolved value:
 * - `NAME=value` (how `env` prints it and how runc quotes a refused entry)
 *   becomes `NAME=***`, whatever the value's length;
 * - the value itself, its trimmed form, and its JSON- and Go-escaped forms
 *   (how a JSON log line or an engine error quotes it) become `***`;
 * - so does each piece of it between line breaks, other control characters,
 *   quotes and backslashes, so a multi-line value cut by a log tail, or
 *   printed line by line, is hidden line by line;
 * - a value, form or piece shorter than `MIN_MASKED_LENGTH` characters once
 *   trimmed is left alone outside `NAME=`: masking `1`, `on` or `dev`
 *   everywhere would shred the output, and a secret that short can be
 *   guessed whatever berth hides. Anything longer is always masked.
 */

/** Turns captured text into text that can be shown. */
export type TextMask = (text: string) => string;

export const MASKED = "***";

/** Values (and pieces of values) shorter than this, once trimmed, are only masked as `NAME=value`. */
export const MIN_MASKED_LENGTH = 4;

/** Go's `%q` body for `s` (what the engine and runc print when they quote a value), for ASCII control characters. */
function goEscaped(s: string): string {
  const named: Record<string, string> = { "\u0007": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", "\\": "\\\\", '"': '\\"' };
  return s.replace(/[\u0000-\u001f\u007f\\"]/g, (c) => named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** The forms of one value that are masked wherever they appear. */
function forms(value: string): string[] {
  const whole = [value, value.trim(), JSON.stringify(value).slice(1, -1), goEscaped(value)];
  const pieces = value.split(/[\u0000-\u001f\u007f\\"]+/).map((p) => p.trim());
  return [...whole, ...pieces];
}

/**
 * A mask for the text read back from a pod whose secrets resolved to
 * `values` (per container name, per variable: what `resolveSecrets` returns).
 *
 * @example
 * const mask = secretMask({ main: { API_TOKEN: "tok-9f2c" } });
 * mask("starting with API_TOKEN=tok-9f2c; token tok-9f2c"); // "starting with API_TOKEN=***; token ***"
 */
export function secretMask(values: Readonly<Record<string, Readonly<Record<string, string>>>>): TextMask {
  const replacements = new Map<string, string>();
  for (const vars of Object.values(values)) {
    for (const [name, value] of Object.entries(vars)) {
      if (value === "") continue;
      for (const form of forms(value)) {
        if (form === "") continue;
        replacements.set(`${name}=${form}`, `${name}=${MASKED}`);
        if (form.trim().length >= MIN_MASKED_LENGTH) replacements.set(form, MASKED);
      }
    }
  }
  // Longest first: a whole value goes before its pieces, and one value before another it contains.
  const ordered = [...replacements].sort(([a], [b]) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  return (text) => ordered.reduce((t, [needle, by]) => (t.includes(needle) ? t.split(needle).join(by) : t), text);
}

/**
 * For text from a pod whose secrets could not be resolved (so cannot be
 * masked): none of it is shown.
 */
export const withholdAll: TextMask = (text) => (text === "" ? text : "(withheld: the pod's secrets could not be resolved to mask it)");

function maskData(value: unknown, mask: TextMask): unknown {
  if (typeof value === "string") return mask(value);
  if (Array.isArray(value)) return value.map((v) => maskData(v, mask));
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskData(v, mask)]));
  }
  return value;
}

/**
 * `err` with `mask` applied to its message, stack, `data` and `cause`: a copy
 * of the same class, so its `code` and how the loop reacts to it stay. Used
 * on what a launch throws, since the engine may quote the environment it was
 * given (runc: `environment variable value can't contain null(\x00): "NAME=…"`).
 */
export function maskError(err: unknown, mask: TextMask): unknown {
  if (typeof err === "string") return mask(err);
  if (!(err instanceof Error)) return err;
  const copy = Object.create(Object.getPrototypeOf(err) as object) as Error & { data?: unknown; cause?: unknown };
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(err));
  const set = (key: "message" | "stack" | "data" | "cause", value: unknown) =>
    Object.defineProperty(copy, key, { value, writable: true, configurable: true, enumerable: Object.getOwnPropertyDescriptor(err, key)?.enumerable ?? false });
  set("message", mask(err.message));
  if (err.stack !== undefined) set("stack", mask(err.stack));
  if ("data" in err) set("data", maskData((err as { data: unknown }).data, mask));
  if (err.cause !== undefined) set("cause", maskError(err.cause, mask));
  return copy;
}
