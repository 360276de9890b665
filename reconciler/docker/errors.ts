/**
 * Errors of the Docker adapter, grouped by how the loop reacts: a host that
 * cannot be reached is retried with backoff; a refused endpoint needs a
 * human; a failed pull or launch fails the rollout step.
 */
export class HostUnreachableError extends Error {
  readonly code = "HOST_UNREACHABLE";
  readonly retryable = true;
  constructor(readonly data: { host: string; endpoint: string; cause: string }) {
    super(`host "${data.host}" at ${data.endpoint} cannot be reached: ${data.cause}`);
  }
}

export class EndpointRefusedError extends Error {
  readonly code = "ENDPOINT_REFUSED";
  readonly retryable = false;
  constructor(readonly data: { host: string; endpoint: string; reason: string }) {
    super(`host "${data.host}": ${data.reason}`);
  }
}

export class PullError extends Error {
  readonly code = "PULL_FAILED";
  readonly retryable = false;
  constructor(readonly data: { host: string; image: string; cause: string }) {
    super(`pulling ${data.image} on host "${data.host}" failed: ${data.cause}`);
  }
}

export class LaunchError extends Error {
  readonly code = "LAUNCH_FAILED";
  readonly retryable = false;
  constructor(readonly data: { host: string; pod: string; container: string; cause: string }) {
    super(`starting container "${data.container}" of pod ${data.pod} on host "${data.host}" failed: ${data.cause}`);
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
