/**
 * Failover benchmark (issue 14): two `berth run` instances of one bed
 * repository on the bed's etcd with the DEFAULT lease TTL (10 s), a
 * converged 3-replica service; each round kills the leader with -9, pushes
 * a commit right after, and measures kill → the other's /status
 * leader:true and kill → that commit converged; the killed instance is
 * started again (same name and state folder) as the next round's follower.
 *
 *   npx tsx bench/failover.ts [rounds=5]
 *
 * Target: takeover within TTL + one pass — kill → converged ≤ 10 s + the
 * converging pass's own duration (its journal entry's ms).
 */
import { bedUp } from "../testbed/bed.ts";
import { DaemonHarness, until, type DaemonProcess } from "../test/support/daemon-harness.ts";
import { hostsYaml, serviceYaml } from "../test/support/fleet-dir.ts";

const rounds = Number(process.argv[2] ?? 5);
const TTL_S = 10;
const { layout: bed } = await bedUp();
const lock = `etcd://127.0.0.1:${bed.etcd.clientPort}`;
const web = (tag: string) =>
  serviceYaml({ name: "web", image: `127.0.0.1:5000/berth/app:${tag}`, replicas: 3, extra: "  health:\n    http:\n      path: /healthz\n      port: http\n  rollout:\n    monitor: 1s" });

const h = new DaemonHarness(bed, { name: "bench-failover", interval: "1s", args: ["--lock", lock] });
h.init();
/** Resolves with the instance that leads once exactly one does and the other names it. */
async function leaderOf(list: readonly DaemonProcess[]): Promise<DaemonProcess> {
  return until(
    "one leader, the other following it",
    async () => {
      const s = await Promise.all(list.map((d) => d.status()));
      const leaders = s.flatMap((x, i) => (x.leader ? [i] : []));
      if (leaders.length !== 1) return undefined;
      return s.every((x) => x.leadership?.holder === s[leaders[0]!]!.leadership?.instance) ? list[leaders[0]!] : undefined;
    },
    60_000,
  );
}

interface Round {
  readonly killed: string;
  readonly takeoverMs: number;
  readonly convergedMs: number;
  readonly passMs: number;
}
const results: Round[] = [];
try {
  let sha = h.push({ "hosts.yaml": hostsYaml(bed), "web.yaml": web("v1") }, "web v1");
  const live = new Map<string, DaemonProcess>([["a", h.instance("a")], ["b", h.instance("b")]]);
  await Promise.all([...live.values()].map((d) => d.listening));
  let leader = await leaderOf([...live.values()]);
  await h.converged(sha, { service: "web", replicas: 3, timeoutMs: 60_000, daemon: leader });
  for (let i = 0; i < rounds; i++) {
    const killed = [...live].find(([, d]) => d === leader)![0];
    const [otherName, other] = [...live].find(([, d]) => d !== leader)!;
    const t0 = performance.now();
    await leader.stop("SIGKILL");
    sha = h.push({ "web.yaml": web(i % 2 === 0 ? "v2" : "v1") }, `round ${i + 1}`);
    await until(`${otherName} leading`, async () => ((await other.status()).leader ? true : undefined), 60_000, { everyMs: 50 });
    const takeoverMs = performance.now() - t0;
    await h.converged(sha, { service: "web", replicas: 3, timeoutMs: 60_000, daemon: other, everyMs: 50 });
    const convergedMs = performance.now() - t0;
    // The converging pass's own duration, from its journal entry (a later in-sync pass may be the status' lastPass).
    const entry = (await h.etcdJournal(lock, sha)).find((e) => e.result === "converged");
    const round = { killed, takeoverMs, convergedMs, passMs: entry?.ms ?? 0 };
    results.push(round);
    console.log(`round ${i + 1}: killed ${killed}; ${otherName} leading after ${(takeoverMs / 1000).toFixed(2)} s, commit converged after ${(convergedMs / 1000).toFixed(2)} s (its pass ${(round.passMs / 1000).toFixed(2)} s)`);
    // The killed one comes back as the follower of the next round (its stale local lock is taken over).
    const back = h.instance(killed);
    live.set(killed, back);
    await back.listening;
    leader = await leaderOf([...live.values()]);
  }
} finally {
  await h.cleanup();
  await h.removeEtcdKeys(lock);
}

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const takeovers = results.map((r) => r.takeoverMs);
const converged = results.map((r) => r.convergedMs);
const met = results.filter((r) => r.convergedMs <= TTL_S * 1000 + r.passMs).length;
console.log(`failover, kill -9 of the leader, lease TTL ${TTL_S} s (the default), ${results.length} rounds:`);
console.log(`  kill → the other's /status leader:true:  p50 ${s(p50(takeovers))}, max ${s(Math.max(...takeovers))}`);
console.log(`  kill → a commit pushed after it converged: p50 ${s(p50(converged))}, max ${s(Math.max(...converged))}`);
console.log(`  converging pass: p50 ${s(p50(results.map((r) => r.passMs)))}`);
console.log(`  target: takeover within TTL + one pass (${TTL_S} s + pass) — met in ${met}/${results.length} rounds`);
