/**
 * Git source benchmark (issue 4), no-change poll: what one "did anything
 * change?" poll costs against the test bed's smart-HTTP server (git
 * http-backend) on loopback, for a private repository (credentials sent),
 * once the commit is cached. The poll is what `berth run` does each
 * interval: `resolve()` and compare with the commit in use. Also shown:
 * the same plus `checkout()` of the unchanged commit (memoised), and a
 * poll that finds a new commit (resolve, shallow fetch, read its files).
 *
 *   npx tsx bench/git-poll.ts [polls=100]
 *
 * Target: 1 request and ≤ 20 ms per poll.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { RemoteGitSource } from "../reconciler/source/remote-source.ts";
import { RepoFixture, TEST_CREDENTIAL } from "../testbed/git-server/repo-fixture.ts";

const polls = Number(process.argv[2] ?? 100);
const fx = new RepoFixture();
for (let i = 0; i < 20; i++) fx.commit({ [`services/s${i}.yaml`]: `kind: Service\nmetadata:\n  name: s${i}\n` }, `commit ${i}`);
fx.publish("private/fleet.git");
const server = await fx.serve();
const cache = mkdtempSync(path.join(os.tmpdir(), "berth-bench-cache-"));
const src = new RemoteGitSource({ url: fx.url("private/fleet.git"), cacheDir: cache, env: { BERTH_GIT_USERNAME: TEST_CREDENTIAL.username, BERTH_GIT_TOKEN: TEST_CREDENTIAL.token } });
const inUse = (await src.resolve()).commit;
await src.checkout(inUse);
for (let i = 0; i < 10; i++) await src.resolve(); // warm-up: JIT, keep-alive connection

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

async function measure(label: string, poll: () => Promise<void>): Promise<{ requests: number; p50: number }> {
  server.resetStats();
  const times: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < polls; i++) {
    const t0 = performance.now();
    await poll();
    times.push(performance.now() - t0);
    rss.push(process.memoryUsage().rss);
  }
  const stats = server.stats();
  const requests = stats.total.requests / polls;
  const p50 = pct(times, 0.5);
  console.log(`${label}, ${polls} polls:`);
  console.log(`  requests per poll: ${requests.toFixed(2)} (ref advertisements ${stats.byService["info/refs?service=git-upload-pack"]?.requests ?? 0}, pack downloads ${stats.byService["git-upload-pack"]?.requests ?? 0}); response bytes per poll: ${Math.round(stats.total.bytesOut / polls)}`);
  console.log(`  ms per poll: p50 ${p50.toFixed(1)}, p90 ${pct(times, 0.9).toFixed(1)}, max ${Math.max(...times).toFixed(1)}; peak rss ${(Math.max(...rss) / 2 ** 20).toFixed(0)} MiB`);
  return { requests, p50 };
}

const poll = await measure("no-change poll (resolve, commit unchanged)", async () => {
  if ((await src.resolve()).commit !== inUse) throw new Error("the commit changed during the benchmark");
});
await measure("no-change poll + checkout of the unchanged commit", async () => {
  await src.checkout((await src.resolve()).commit);
});

// A poll that finds a new commit: pushed with the git CLI straight into the bare repository.
const changes = 20;
const changed: number[] = [];
server.resetStats();
for (let i = 0; i < changes; i++) {
  const sha = fx.commit({ [`services/s${i}.yaml`]: `kind: Service\nmetadata:\n  name: s${i}\n# change ${i}\n` }, `change ${i}`);
  fx.publish("private/fleet.git");
  const t0 = performance.now();
  const { commit } = await src.resolve();
  const snap = await src.checkout(commit);
  changed.push(performance.now() - t0);
  if (snap.commit.sha !== sha || snap.files.length !== 20) throw new Error(`expected the new commit ${sha} with 20 files`);
}
const cs = server.stats();
console.log(`changed poll (resolve + shallow fetch + read 20 files), ${changes} commits:`);
console.log(`  requests per poll: ${(cs.total.requests / changes).toFixed(2)}; response bytes per poll: ${Math.round(cs.total.bytesOut / changes)}; ms: p50 ${pct(changed, 0.5).toFixed(1)}, p90 ${pct(changed, 0.9).toFixed(1)}`);
console.log(`target: 1 request, ≤ 20 ms per no-change poll — ${poll.requests === 1 && poll.p50 <= 20 ? "met" : "not met"}`);
await fx.close();
rmSync(cache, { recursive: true, force: true });
