/**
 * `berth history [SERVICE]`: what was deployed when, from which commit, and
 * how it ended — from the deployment journal in the state folder, or in
 * etcd with `--lock` (where instances that elect a leader keep it).
 */
import type { JournalEntry } from "../model/journal.ts";
import { readJournal } from "../record/journal-file.ts";
import { openForReading } from "./shared-state.ts";
import { fail } from "./fail.ts";
import { stateDir } from "./state-dir.ts";

export async function runHistory(service: string | undefined, opts: Record<string, unknown>): Promise<number> {
  const owner = typeof opts["owner"] === "string" ? opts["owner"] : undefined;
  let all: JournalEntry[];
  if (typeof opts["lock"] === "string") {
    if (!owner) {
      return fail("history", { code: "owner-needed", message: "with --lock, say whose history with --owner (the source's identity, as `berth status` shows it)" }, opts);
    }
    let shared: ReturnType<typeof openForReading> | undefined;
    try {
      shared = openForReading(opts, owner);
      all = await shared.store.readJournal();
    } catch (err) {
      return fail("history", { code: "journal-unreadable", message: `cannot read the journal from ${String(opts["lock"])}: ${(err as Error).message}` }, opts);
    } finally {
      shared?.close();
    }
  } else all = readJournal(stateDir(opts), owner);
  const entries = all.filter((e) => !service || e.services.some((s) => s.name === service) || e.result === "invalid" || e.result === "in-sync" || (e.result === "waiting" && e.services.length === 0));
  if (opts["json"]) {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    process.stdout.write(`no deployments recorded in ${typeof opts["lock"] === "string" ? String(opts["lock"]) : `${stateDir(opts)}/journal`}${owner ? ` for ${owner}` : ""}\n`);
    return 0;
  }
  for (const e of entries) {
    const svc = service ? e.services.find((s) => s.name === service) : undefined;
    const result = svc ? `${svc.result}${svc.reason ? `: ${svc.reason}` : ""}` : `${e.result}${e.reason ? `: ${e.reason.split("\n")[0]}` : ""}`;
    process.stdout.write(`${e.at}  ${e.commit.slice(0, 12)}  ${(e.author ?? "").replace(/\s*<[^>]*>$/, "").padEnd(20).slice(0, 20)}  ${(e.message ?? "").split("\n")[0]!.slice(0, 40).padEnd(40)}  ${result}\n`);
  }
  return 0;
}
