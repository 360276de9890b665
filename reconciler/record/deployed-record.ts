/**
 * The deployment record on disk: `<state>/deployed/<owner digest>.json`,
 * one per source, replaced whole (written aside, then renamed) so a crash
 * never leaves half of one. A record that cannot be read is reported and
 * treated as absent: the plan is then only more careful (every host it
 * cannot observe is a blind spot), never less.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DeployedRecord } from "../model/deployed.ts";

export function recordFile(stateDir: string, owner: string): string {
  return path.join(stateDir, "deployed", `${createHash("sha256").update(owner).digest("hex").slice(0, 16)}.json`);
}

/** The record of `owner`, undefined when there is none; a broken one is named in `problem`. */
export function readRecord(stateDir: string, owner: string): { record?: DeployedRecord; problem?: string } {
  const file = recordFile(stateDir, owner);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    return { problem: `cannot read the deployment record ${file}: ${(err as Error).message}` };
  }
  return parseRecord(text, owner, `the deployment record ${file}`);
}

/** A record read back as text (from the state folder or etcd), checked to be one berth wrote for `owner`; `where` names it in the problem. */
export function parseRecord(text: string, owner: string, where: string): { record?: DeployedRecord; problem?: string } {
  try {
    const data = JSON.parse(text) as Partial<DeployedRecord>;
    if (data.kind !== "DeployedRecord" || data.owner !== owner || !Array.isArray(data.hosts) || !Array.isArray(data.slots) || !Array.isArray(data.observed) || !Array.isArray(data.jobs)) {
      return { problem: `${where} is not one berth wrote for ${owner}; it is ignored` };
    }
    return { record: data as DeployedRecord };
  } catch {
    // JSON.parse's message would quote the text; say only where it is.
    return { problem: `${where} is not valid JSON; it is ignored` };
  }
}

export function writeRecord(stateDir: string, record: DeployedRecord): void {
  const file = recordFile(stateDir, record.owner);
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 1)}\n`);
  renameSync(tmp, file);
}
