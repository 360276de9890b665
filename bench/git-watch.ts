/**
 * Git source benchmark (issue 4), watch latency: from `git commit` returning
 * (from the start of `git add && git commit`) to berth's watcher noticing the new commit in a local repository, over 20
 * commits.
 *
 *   npx tsx bench/git-watch.ts [commits=20]
 *
 * Target: p50 ≤ 200 ms.
 */
import { LocalGitSource } from "../reconciler/source/local-source.ts";
import { RepoFixture } from "../testbed/git-server/repo-fixture.ts";

const commits = Number(process.argv[2] ?? 20);
const fx = new RepoFixture();
fx.commit({ "hosts.yaml": "kind: Host\n" }, "first");
const src = new LocalGitSource({ path: fx.work });
let notify: (() => void) | undefined;
const w = src.watch(() => notify?.());
await new Promise((r) => setTimeout(r, 300));

const latencies: number[] = [];
const cliTimes: number[] = [];
let last = (await src.resolve()).commit;
for (let i = 0; i < commits; i++) {
  const seen = new Promise<void>((resolve) => (notify = resolve));
  const t0 = performance.now();
  const sha = fx.commit({ "hosts.yaml": `kind: Host\n# ${i}\n` }, `commit ${i}`);
  cliTimes.push(performance.now() - t0);
  // Noticed = the watcher fired and resolve() returns the new commit.
  for (;;) {
    await Promise.race([seen, new Promise((r) => setTimeout(r, 2000))]);
    const now = (await src.resolve()).commit;
    if (now === sha) break;
  }
  latencies.push(performance.now() - t0);
  if (last === sha) throw new Error("commit not new");
  last = sha;
  await new Promise((r) => setTimeout(r, 50));
}
await w.close();
latencies.sort((a, b) => a - b);
const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
console.log(`commit-to-noticed for a watched local repository, ${commits} commits: p50 ${p(0.5)} ms, p90 ${p(0.9)} ms, max ${latencies[latencies.length - 1]!.toFixed(1)} ms`);
cliTimes.sort((a, b) => a - b);
console.log(`  (measured from the start of \`git add && git commit\`, whose own p50 is ${cliTimes[Math.floor(cliTimes.length / 2)]!.toFixed(1)} ms)`);
console.log(`  target: p50 ≤ 200 ms — ${Number(p(0.5)) <= 200 ? "met" : "not met"}`);
await fx.close();
