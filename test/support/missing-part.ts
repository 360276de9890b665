/**
 * A real part a test needs is missing (an engine, etcd, promtool,
 * chromium). On a laptop the test is reported as pending with the reason;
 * with CI=true it fails, never a silent skip (the project's rule: a missing
 * part in CI is a failure).
 */
import type { Context } from "mocha";

export function missingPart(ctx: Context, what: string, reason: string, opts: { quiet?: boolean } = {}): never {
  if (process.env.CI === "true" || process.env.CI === "1") throw new Error(`CI=true and ${what} cannot run here, which is a failure, not a skip: ${reason}`);
  if (!opts.quiet) console.warn(`      ${what} pending: ${reason}`);
  ctx.skip();
}
