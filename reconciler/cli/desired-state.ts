/**
 * What `plan` and `apply` reconcile towards: the fleet loaded from a DIR (or
 * the current directory), with the identity of its source (the `berth.owner`
 * label) and the version it was read at.
 */
import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import type { Fleet } from "../model/fleet.ts";
import type { OperatorRules } from "../load/check-operator.ts";
import type { CommitReader } from "./previous-commit.ts";
import { fail } from "./fail.ts";
import { displayDiagnostics, loadForCli } from "./validate.ts";

export interface DesiredState {
  readonly fleet: Fleet;
  readonly owner: string;
  /** A git commit SHA, or for files on disk `tree-<digest of the fleet>`. */
  readonly commit: string;
  /** The operator's rules the fleet was checked against. */
  readonly operator: OperatorRules;
  /** Reads another commit of the same repository, for a plan made without a deployment record. */
  readonly readCommit?: CommitReader;
}

export async function loadDesired(dir: string | undefined, opts: Record<string, unknown>, command: string): Promise<DesiredState | undefined> {
  const loaded = await loadForCli(dir, opts, command);
  if (!loaded) return undefined;
  const { root, result } = loaded;
  if (!result.ok) {
    fail(command, { code: "fleet-invalid", message: `${root} does not validate; nothing was changed.`, diagnostics: displayDiagnostics(root, result.diagnostics) }, opts);
    return undefined;
  }
  const path = typeof opts["path"] === "string" ? `#${opts["path"]}` : "";
  const owner = typeof opts["owner"] === "string" ? opts["owner"] : (loaded.source?.identity ?? `file://${realpathSync(root)}${path}`);
  const commit = loaded.source?.commit.sha ?? `tree-${createHash("sha256").update(JSON.stringify(result.fleet)).digest("hex").slice(0, 12)}`;
  return { fleet: result.fleet, owner, commit, operator: loaded.operator, ...(loaded.readCommit ? { readCommit: loaded.readCommit } : {}) };
}

/** The scheduler's seed: fixed per source, so planning twice gives the same placements. */
export function seedFor(owner: string): number {
  return createHash("sha256").update(owner).digest().readUInt32BE(0);
}
