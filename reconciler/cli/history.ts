/**
 * `berth history [SERVICE]`: what was deployed when, from which commit, and
 * how it ended — from the deployment journal in the state folder.
 */
import { readJournal } from "../loop/journal.ts";
import { stateDir } from "./state-dir.ts";

export async function runHistory(service: string | undefined, opts: Record<string, unknown>): Promise<number> {
  const owner = typeof opts["owner"] === "string" ? opts["owner"] : undefined;
  const entries = readJournal(stateDir(opts), owner).filter((e) => !service || e.services.some((s) => s.name === service) || e.result === "invalid" || e.result === "in-sync" || (e.result === "waiting" && e.services.length === 0));
  if (opts["json"]) {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    process.stdout.write(`no deployments recorded in ${stateDir(opts)}/journal${owner ? ` for ${owner}` : ""}\n`);
    return 0;
  }
  for (const e of entries) {
    const svc = service ? e.services.find((s) => s.name === service) : undefined;
    const result = svc ? `${svc.result}${svc.reason ? `: ${svc.reason}` : ""}` : `${e.result}${e.reason ? `: ${e.reason.split("\n")[0]}` : ""}`;
    process.stdout.write(`${e.at}  ${e.commit.slice(0, 12)}  ${(e.author ?? "").replace(/\s*<[^>]*>$/, "").padEnd(20).slice(0, 20)}  ${(e.message ?? "").split("\n")[0]!.slice(0, 40).padEnd(40)}  ${result}\n`);
  }
  return 0;
}
