/**
 * Errors of the Docker adapter, each with the loop's reaction
 * (model/berth-error.ts): a host that cannot be reached, or a registry that
 * does not answer, is the world's fault and retried; a refused endpoint, a
 * missing image or a container the engine will not start is the commit's
 * (or the operator's) to fix, and stalls it.
 */
import { BerthError } from "../model/berth-error.ts";

export class HostUnreachableError extends BerthError {
  readonly code = "host-unreachable";
  readonly reaction = "retry";
  constructor(readonly data: { host: string; endpoint: string; cause: string }) {
    super(`host "${data.host}" at ${data.endpoint} cannot be reached: ${data.cause}`);
  }
}

export class EndpointRefusedError extends BerthError {
  readonly code = "endpoint-refused";
  readonly reaction = "stalled";
  constructor(readonly data: { host: string; endpoint: string; reason: string }) {
    super(`host "${data.host}": ${data.reason}`);
  }
}

/** The registry has no such image or tag: the commit names an image that does not exist. */
export class ImageNotFoundError extends BerthError {
  readonly code = "image-not-found";
  readonly reaction = "stalled";
  constructor(readonly data: { host: string; image: string; cause: string }) {
    super(`image ${data.image} does not exist (pulling it on host "${data.host}": ${data.cause}); fix the image reference or push the image`);
  }
}

/** The registry did not answer, failed (5xx), or the pull timed out: nothing is wrong with the commit. */
export class RegistryUnavailableError extends BerthError {
  readonly code = "registry-unavailable";
  readonly reaction = "retry";
  constructor(readonly data: { host: string; image: string; cause: string }) {
    super(`the registry of ${data.image} is not available to host "${data.host}": ${data.cause}; berth tries again`);
  }
}

/** Any other failed pull (credentials refused, a malformed reference): needs a human. */
export class PullError extends BerthError {
  readonly code = "pull-failed";
  readonly reaction = "stalled";
  constructor(readonly data: { host: string; image: string; cause: string }) {
    super(`pulling ${data.image} on host "${data.host}" failed: ${data.cause}`);
  }
}

export class LaunchError extends BerthError {
  readonly code = "launch-failed";
  readonly reaction = "stalled";
  constructor(readonly data: { host: string; pod: string; container: string; cause: string }) {
    super(`starting container "${data.container}" of pod ${data.pod} on host "${data.host}" failed: ${data.cause}`);
  }
}

/** The engine would not change a running container's limits, or berth refused to (memory below what it uses): the commit asks for limits the pod cannot have. */
export class ResizeError extends BerthError {
  readonly code = "resize-failed";
  readonly reaction = "stalled";
  constructor(readonly data: { host: string; pod: string; container: string; cause: string }) {
    super(`resizing container "${data.container}" of pod ${data.pod} on host "${data.host}" in place failed: ${data.cause}`);
  }
}

/** The message of anything thrown, for wrapping into the errors above. */
export function causeOf(err: unknown): string {
  if (err && typeof err === "object") {
    const e = err as { json?: { message?: string }; reason?: string; message?: string; code?: string };
    return e.json?.message ?? e.message ?? e.reason ?? e.code ?? String(err);
  }
  return String(err);
}
