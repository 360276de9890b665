/**
 * Errors of the loading step. A repository that does not validate is not an
 * exception (it is a list of diagnostics); these are for the cases where
 * loading itself could not be done.
 */
import { BerthError } from "../model/berth-error.ts";

/** The folder given to `berth validate DIR` cannot be read. */
export class SourceReadError extends BerthError {
  readonly code = "source-unreadable";
  readonly reaction = "stalled";
  constructor(
    /** `named`: a path given on the command line, which may be a file or a folder. */
    readonly data: { path: string; reason: string; named?: boolean },
    options?: { cause?: unknown },
  ) {
    super(`Cannot read ${data.named ? "" : "the repository folder "}${JSON.stringify(data.path)}: ${data.reason}`, options);
    this.name = "SourceReadError";
  }
}

/** A YAML parse worker failed or is gone: a bug or a resource limit, not bad YAML (that is a diagnostic). */
export class ParseWorkerError extends BerthError {
  readonly code = "parse-worker-failed";
  readonly reaction = "bug";
  constructor(readonly data: { detail: string }) {
    super(`A YAML parse worker failed: ${data.detail}`);
    this.name = "ParseWorkerError";
  }
}

/** The load thread failed, is gone, or cannot take the work: a bug or a resource limit, not a bad commit (that is a diagnostic). */
export class LoadThreadError extends Error {
  readonly code = "E_LOAD_THREAD";
  constructor(readonly data: { detail: string }) {
    super(`The fleet load thread failed: ${data.detail}`);
    this.name = "LoadThreadError";
  }
}
