/**
 * berth's state folder on the reconciler's machine: the git cache and the
 * deployment journal. `--state-dir`, else `BERTH_STATE_DIR`, else
 * `$XDG_STATE_HOME/berth` (default `~/.local/state/berth`).
 */
import os from "node:os";
import path from "node:path";

export function stateDir(opts: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof opts["stateDir"] === "string") return path.resolve(opts["stateDir"]);
  if (env.BERTH_STATE_DIR) return path.resolve(env.BERTH_STATE_DIR);
  return path.join(env.XDG_STATE_HOME ?? path.join(os.homedir(), ".local", "state"), "berth");
}
