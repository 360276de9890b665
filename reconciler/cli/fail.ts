/**
 * How a command reports the error that ends it. Always as text on stderr,
 * `berth plan: message` (after the diagnostics, when there are some); and in
 * a JSON mode (`--json`, `--format json`) also as one JSON object a line on
 * stdout, `{"type":"error","error":{"code":…,"message":…}}`, so a program
 * that reads stdout learns why there is no plan (or no result) instead of
 * failing to parse nothing. The exit code stays the command's: 1.
 *
 * Secret values berth holds in its environment (the git token, the etcd,
 * registry and webhook secrets, `BERTH_SECRET_…`) are masked in what is
 * printed, should an error ever quote one.
 */
import { errorInfo, type ErrorInfo } from "../model/berth-error.ts";
import { formatDiagnostic, type Diagnostic } from "../load/diagnostic.ts";
import { maskError, secretMask, type TextMask } from "../rollout/mask-secrets.ts";

export interface CommandFailure {
  /** Stable and kebab-case, like the error codes in docs/errors.md. */
  readonly code: string;
  /** A sentence for a person: what failed, and what to do. */
  readonly message: string;
  /** When the failure is files that do not validate: each, with file:line:col. */
  readonly diagnostics?: readonly Diagnostic[];
  /** For an error berth raised (ErrorInfo): how the loop reacts, and its structured data. */
  readonly reaction?: ErrorInfo["reaction"];
  readonly data?: Readonly<Record<string, unknown>>;
}

/** True when the command's stdout is for a machine: `--json`, or `--format json`. */
export function jsonMode(opts: Record<string, unknown>): boolean {
  return opts["json"] === true || opts["format"] === "json";
}

/** The variables whose values berth must never print: its own credentials and the secrets it may inject. */
const SECRET_VARIABLE = /^(BERTH_SECRET_.*|BERTH_.*(TOKEN|PASSWORD|SECRET).*)$/;

/** A mask for the secret values in `env`. */
export function environmentMask(env: NodeJS.ProcessEnv): TextMask {
  const values = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => SECRET_VARIABLE.test(e[0]) && typeof e[1] === "string" && e[1] !== ""));
  return secretMask({ environment: values });
}

/**
 * A thrown error as a failure: a BerthError keeps its code, reaction and
 * data; anything else is `internal-error` (a bug). Masked with `mask`.
 * @example failureOf(new Error("boom")) // { code: "internal-error", reaction: "bug", message: "boom", data: {} }
 */
export function failureOf(err: unknown, mask: TextMask = environmentMask(process.env)): CommandFailure {
  const { code, reaction, message, data } = errorInfo(maskError(err, mask));
  return { code, reaction, message, data };
}

/**
 * Reports `failure` as the end of `command` and returns its exit code, 1.
 * `opts` are the command's options: they say whether it is in a JSON mode.
 * @example
 * if (typeof saved === "string") return fail("apply", { code: "plan-unreadable", message: saved }, opts);
 */
export function fail(command: string, failure: CommandFailure, opts: Record<string, unknown>): 1 {
  // A failure made by failureOf is masked already; one a command words itself is masked here too, in case it quotes a value.
  const masked: CommandFailure = { ...failure, message: environmentMask(process.env)(failure.message) };
  for (const d of masked.diagnostics ?? []) process.stderr.write(`${formatDiagnostic(d)}\n`);
  process.stderr.write(`berth${command ? ` ${command}` : ""}: ${masked.message}\n`);
  if (jsonMode(opts)) process.stdout.write(`${JSON.stringify({ type: "error", error: masked })}\n`);
  return 1;
}
