/**
 * What a failed pull means, from the engine's answer: the image does not
 * exist (the commit's fault: held), the registry is unavailable (the
 * world's fault: retried), or something a human must look at.
 *
 * The engine reports a missing tag as HTTP 404 ("manifest for … not found:
 * manifest unknown"), and a registry it cannot reach as HTTP 500 quoting
 * its own dial error ("dial tcp 127.0.0.1:5000: connect: connection
 * refused"); during the layer download the same texts arrive as a progress
 * event's `error` instead.
 */
import { causeOf, ImageNotFoundError, PullError, RegistryUnavailableError } from "./errors.ts";

const NOT_FOUND = /manifest unknown|not found|name unknown|repository does not exist|no such image/i;
const UNAVAILABLE = /connection refused|connection reset|i\/o timeout|timed out|timeout|no such host|network is unreachable|no route to host|\bEOF\b|service unavailable|bad gateway|gateway time-?out|toomanyrequests|too many requests|(status:?|HTTP) (429|50[234])\b|server misbehaving|temporary failure/i;

export function pullFailure(host: string, image: string, err: unknown): ImageNotFoundError | RegistryUnavailableError | PullError {
  const cause = causeOf(err);
  // The reference itself is not evidence: a tag named "timeout-fix" must not read as a timeout.
  const said = cause.split(image).join("IMAGE");
  const status = (err as { statusCode?: number } | undefined)?.statusCode;
  const data = { host, image, cause };
  // Credentials refused: a human fixes them (and "not found" may be how a registry hides a repository from them).
  if (/unauthorized|denied|authentication required|no basic auth credentials/i.test(said) && !/repository does not exist/i.test(said)) return new PullError(data);
  if (UNAVAILABLE.test(said) || (status !== undefined && status >= 502 && status <= 504)) return new RegistryUnavailableError(data);
  if (status === 404 || NOT_FOUND.test(said)) return new ImageNotFoundError(data);
  return new PullError(data);
}
