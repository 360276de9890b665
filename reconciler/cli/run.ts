/**
 * `berth run`: the reconciler daemon, until SIGTERM or SIGINT.
 */
import { GitSourceError } from "../source/errors.ts";
import { openSource } from "../source/open-source.ts";
import { Daemon } from "../loop/daemon.ts";
import { createLogger } from "../loop/logger.ts";
import { useColor } from "./use-color.ts";
import { parseListen } from "../loop/http-server.ts";
import { createMetrics } from "../loop/metrics.ts";
import { seedFor } from "./desired-state.ts";
import { durationOption } from "./duration.ts";
import { operatorRules } from "./operator.ts";
import { stateDir } from "./state-dir.ts";
import { openForWriting, type SharedState } from "./shared-state.ts";
import { fail } from "./fail.ts";

export async function runDaemon(opts: Record<string, unknown>): Promise<number> {
  let intervalMs: number;
  let resyncMs: number;
  const webhookListen = typeof opts["webhookListen"] === "string" ? opts["webhookListen"] : undefined;
  try {
    intervalMs = durationOption("interval", opts["interval"]);
    resyncMs = durationOption("resync", opts["resync"]);
    if (webhookListen !== undefined) {
      parseListen(webhookListen, "--webhook-listen");
      // A listener that could only answer "the webhook is off" is a mistake, not a choice.
      if (!process.env.BERTH_WEBHOOK_SECRET) throw new Error(`--webhook-listen "${webhookListen}" needs BERTH_WEBHOOK_SECRET set: without it the webhook is off`);
    }
  } catch (err) {
    return fail("run", { code: "invalid-option", message: (err as Error).message }, opts);
  }
  const operator = operatorRules(opts, "run");
  if (!operator) return 1;
  const log = createLogger({ color: useColor(process.stderr) });
  let daemon: Daemon | undefined;
  let shared: SharedState | undefined;
  // Signals are taken from the start: a SIGTERM during the first rollout
  // lets its step finish, then exits 0.
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const stop = (signal: string) => {
    log.info({ signal }, "stopping after the step in progress");
    void (daemon ? daemon.stop() : Promise.resolve())
      .then(() => shared?.close())
      .then(stopped);
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  try {
    const subPath = typeof opts["path"] === "string" ? opts["path"] : undefined;
    const source = openSource({
      repo: typeof opts["repo"] === "string" ? opts["repo"] : ".",
      ...(typeof opts["ref"] === "string" ? { ref: opts["ref"] } : {}),
      ...(subPath ? { subPath } : {}),
      stateDir: stateDir(opts),
    });
    const owner = typeof opts["owner"] === "string" ? opts["owner"] : source.identity;
    shared = await openForWriting(opts, owner, "run", log);
    daemon = new Daemon({
      source,
      owner,
      store: shared.store,
      leadership: shared.leadership,
      ...(shared.claimRun ? { claimRun: shared.claimRun } : {}),
      ...(subPath ? { subPath } : {}),
      intervalMs,
      resyncMs,
      listen: String(opts["listen"]),
      ...(webhookListen !== undefined ? { webhookListen } : {}),
      ...(process.env.BERTH_WEBHOOK_SECRET ? { webhookSecret: process.env.BERTH_WEBHOOK_SECRET } : {}),
      ...(process.env.BERTH_STATUS_TOKEN ? { statusToken: process.env.BERTH_STATUS_TOKEN } : {}),
      seed: seedFor(owner),
      operator,
      log,
      metrics: createMetrics(),
    });
    await daemon.start();
  } catch (err) {
    log.fatal(err instanceof GitSourceError ? { code: err.code } : { err }, `berth run could not start: ${(err as Error).message}`);
    await shared?.close().catch(() => undefined);
    return 1;
  }
  await done;
  return 0;
}
