/**
 * Runs a docker credential helper as `docker` runs it: the program
 * `docker-credential-<name>` from PATH, with the argument `get`, the
 * registry's server URL on stdin, and `{"ServerURL","Username","Secret"}`
 * JSON on stdout (github.com/docker/docker-credential-helpers, client.Get).
 * No shell, and a time limit, so a helper that waits for a desktop prompt
 * cannot hang a rollout.
 *
 * The helper's stdout is its answer or, on failure, its error text: either
 * may hold a secret, so no error ever quotes it.
 */
import { execFile } from "node:child_process";
import { BerthError, type Reaction } from "../model/berth-error.ts";

/** A helper that does not answer in this long is given up on (and retried on the next pull). */
export const HELPER_TIMEOUT_MS = 10_000;
/** What docker-credential-helpers prints, with a non-zero exit, when it has nothing for the server. */
const NOT_FOUND = "credentials not found in native keychain";
/** The Username a helper gives for an identity token (an OAuth refresh token) instead of a password. */
const TOKEN_USERNAME = "<token>";

export type HelperCredentials = { readonly username: string; readonly password: string } | { readonly identitytoken: string };

export class CredentialHelperError extends BerthError {
  readonly code = "credential-helper-failed";
  readonly reaction: Reaction;
  constructor(readonly data: { helper: string; registry: string; from: string; reason: string }, timedOut = false) {
    super(`credential helper docker-credential-${data.helper} (${data.from}) for registry ${data.registry}: ${data.reason}`);
    // A helper that asks a remote service (a cloud's token endpoint) may just be slow today; anything else needs a human.
    this.reaction = timedOut ? "retry" : "stalled";
  }
}

export interface HelperRun {
  /** The helper's name, as config.json gives it (`desktop`, `pass`, `ecr-login`…). */
  readonly helper: string;
  /** What the helper is asked for, exactly as docker asks: the host name, or `https://index.docker.io/v1/` for Docker Hub. */
  readonly serverURL: string;
  /** Where the choice came from, for the error message: `credHelpers["ghcr.io"] in /root/.docker/config.json`. */
  readonly from: string;
  /**
   * The reconciler's environment: the helper gets it (PATH, HOME, the
   * keyring's or the cloud's variables), as under `docker`, except berth's
   * own BERTH_* variables, which hold secrets that are not the helper's.
   */
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/** The credentials a helper holds for the server, or `undefined` when it has none. */
export function helperCredentials(run: HelperRun): Promise<HelperCredentials | undefined> {
  const { helper, serverURL, from, env, timeoutMs = HELPER_TIMEOUT_MS } = run;
  const fail = (reason: string, timedOut = false) => new CredentialHelperError({ helper, registry: serverURL, from, reason }, timedOut);
  // A name with a slash would run some other program than a helper on PATH.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(helper)) return Promise.reject(fail(`"${helper}" is not a helper name (docker-credential-NAME on PATH)`));
  return new Promise((resolve, reject) => {
    const helperEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith("BERTH_")));
    const child = execFile(`docker-credential-${helper}`, ["get"], { env: helperEnv, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 1 << 20, windowsHide: true }, (err, stdout) => {
      if (err) {
        const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: number | string };
        if (e.code === "ENOENT") return reject(fail(`docker-credential-${helper} is not on PATH; install it, or remove it from the config`));
        if (e.killed && e.signal === "SIGKILL") return reject(fail(`it did not answer within ${timeoutMs / 1000} s`, true));
        if (typeof e.code === "number" && stdout.trim() === NOT_FOUND) return resolve(undefined);
        if (e.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") return reject(fail("it wrote more than 1 MiB"));
        const status = typeof e.code === "number" ? `exited with status ${e.code}` : e.signal ? `was killed by ${e.signal}` : `could not be run (${String(e.code)})`;
        return reject(fail(`it ${status}; run \`printf %s '${serverURL}' | docker-credential-${helper} get\` to see why`));
      }
      let answer: { Username?: unknown; Secret?: unknown };
      try {
        answer = JSON.parse(stdout) as typeof answer;
      } catch {
        return reject(fail("it did not answer with JSON"));
      }
      const username = typeof answer?.Username === "string" ? answer.Username : "";
      const secret = typeof answer?.Secret === "string" ? answer.Secret : "";
      if (!secret) return resolve(undefined);
      resolve(username === TOKEN_USERNAME ? { identitytoken: secret } : { username, password: secret });
    });
    // A helper that exits without reading stdin closes the pipe under us; its exit status says what happened.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(serverURL);
  });
}
