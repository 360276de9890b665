/**
 * Benchmark (issue 11): how `berth run` answers /healthz while it loads a
 * 20 MB commit — 20 files of just under 1 MiB, 12,600 services scaled to 0
 * (test/support/large-commit-files.ts) — pushed to the bed's git server.
 * /healthz is asked every 20 ms; each answer's latency counts from when it
 * was due. Prints p50, p99 and max while the commit is fetched, read and
 * loaded, the same while the daemon then plans and applies it, and the
 * load time, next to the target.
 *
 *   npx tsx bench/large-commit.ts [runs=1] [files=20]
 *
 * Target: /healthz p99 ≤ 100 ms during the load. The integration test
 * test/integration/daemon/large-commit.test.ts asserts the same.
 */
import { bedUp } from "../testbed/bed.ts";
import { LargeCommitTrial, latencyFigures, percentile, type LargeCommitFigures } from "../test/support/large-commit-trial.ts";

const runs = Number(process.argv[2] ?? 1);
const files = Number(process.argv[3] ?? 20);
const { layout: bed } = await bedUp();

const results: LargeCommitFigures[] = [];
for (let i = 0; i < runs; i++) {
  const trial = LargeCommitTrial.create(bed, `bench-large-${process.pid}-${i}`);
  try {
    await trial.start();
    results.push(await trial.measure(files));
  } finally {
    await trial.close();
  }
}

const all = (pick: (f: LargeCommitFigures) => readonly number[]) => results.flatMap(pick).sort((a, b) => a - b);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const first = results[0]!;
console.log(`large commit: ${files} files, ${(first.bytes / 2 ** 20).toFixed(1)} MiB, ${first.services} services; ${runs} run${runs === 1 ? "" : "s"} of berth run on the bed (git over HTTP)`);
for (const [i, f] of results.entries()) console.log(`  run ${i + 1}: push to loaded ${seconds(f.loadedMs)}, to applied ${seconds(f.appliedMs)}`);
const during = all((f) => f.duringLoad);
console.log(`  /healthz while fetching, reading and loading: ${latencyFigures(during)}`);
console.log(`  /healthz after the load, while planning and applying: ${latencyFigures(all((f) => f.afterLoad))}`);
const p99 = percentile(during, 99);
console.log(`  target: /healthz p99 ≤ 100 ms during the load — ${p99 <= 100 ? "met" : "NOT met"}: ${p99.toFixed(1)} ms`);
