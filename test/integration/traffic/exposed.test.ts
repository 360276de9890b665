/**
 * Service traffic end to end on the bed's 3 engines (DESIGN §6 "zero failed
 * requests"): `web` exposed on one port, so berth runs its HAProxy on every
 * host, each answering at the host's own address (127.0.0.11/12/13) and
 * balancing over the replicas on all three hosts.
 *
 * The tests share one converged fleet, applied once by a real `berth apply`
 * (the bed's proxy image from the operator config), and run in order: the
 * address checks and the east-west call on v1, then the v1 → v2 rollout
 * under load, then an engine stopped under load (last: it leaves h2's pods
 * exited; the bed is put back after).
 */
import assert from "node:assert/strict";
import { DockerodeHost } from "../../../reconciler/docker/dockerode-host.ts";
import { engineClient, stopEngine } from "../../../testbed/engines.ts";
import type { BedHost, BedLayout } from "../../../testbed/layout.ts";
import { useBed } from "../../support/bed.ts";
import { restoreBed } from "../faults/fault-fleet.ts";
import { appImage, describeFailures, exposedWebYaml, getOnce, hostnameOf, idleServiceYaml, NoRetryClient, parseAnswer, type ClientResult, replicas, tcpHostsYaml, TrafficRepo, type Replica } from "./traffic-fleet.ts";

/** Not 18080: a manual run on the bed may hold that one. */
const PORT = 18281;
/** Loops per URL of the no-retry client: enough to keep the proxy busy on a 2-core machine without starving the apply. */
const CONCURRENCY = 4;

const probeYaml = idleServiceYaml("probe", ["  env:", "    UPSTREAM: ${{ services.web.address }}", "  placement:", "    mode: global", "  rollout:", "    monitor: 1s"]);

/** The HAProxy master's and workers' own lines (reloads, workers exiting) since `since`, for a failing test to show. */
async function proxyLog(host: BedHost, owner: string, since: number): Promise<string> {
  const [c] = await engineClient(host).listContainers({ filters: { label: ["berth.service=berth-proxy", "berth.container=main", `berth.owner=${owner}`] } });
  if (!c) return "(no proxy container)";
  const raw = await engineClient(host).getContainer(c.Id).logs({ stdout: true, stderr: true, timestamps: true, since: Math.floor(since / 1000) - 1 });
  return raw.toString("latin1").replace(/[\x00-\x08]/g, "").trimEnd().split("\n").slice(-40).map((l) => `        ${l}`).join("\n");
}
describe("traffic: an exposed service on 3 hosts, through every host's proxy (DESIGN §6)", function () {
  this.timeout(60_000);
  let bed: BedLayout | undefined;
  let repo: TrafficRepo | undefined;
  /** The running v1 replicas and the hostname each answers with. */
  let v1: { replica: Replica; hostname: string }[] = [];

  const url = (ip: string) => `http://${ip}:${PORT}/`;

  before(async function () {
    bed = await useBed(this);
    this.timeout(90_000);
    repo = new TrafficRepo(bed, "traffic");
    repo.commit({ "hosts.yaml": tcpHostsYaml(bed.hosts), "services/web.yaml": exposedWebYaml(appImage("v1"), PORT), "services/probe.yaml": probeYaml }, "web v1, exposed; a probe on every host");
    await repo.apply();
    const running = (await replicas(bed, repo.owner, "web")).filter((r) => r.state === "running");
    v1 = await Promise.all(running.map(async (replica) => ({ replica, hostname: await hostnameOf(replica) })));
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed" && repo) console.log(`      berth apply output (last lines):\n${repo.log.trimEnd().split("\n").slice(-40).join("\n")}`);
  });

  after(async function () {
    this.timeout(120_000);
    if (!bed) return;
    // Every engine back first (the last test stops h2): other tests need them.
    await restoreBed(bed);
    await repo?.cleanup();
  });

  it("each host's exposed address answers from the replicas on all three hosts", async function () {
    assert.deepEqual(v1.map((r) => r.replica.host.name), ["h1", "h2", "h3"], "one running replica on each host");
    const all = v1.map((r) => r.hostname).sort();
    for (const h of bed!.hosts) {
      const seen = new Map<string, number>();
      for (let i = 0; i < 30; i++) {
        const r = await getOnce(url(h.ip));
        const a = parseAnswer(r.body);
        assert.ok(r.status === 200 && a?.version === "v1", `request ${i} to ${url(h.ip)}: ${r.status} ${JSON.stringify(r.body)}`);
        seen.set(a.hostname, (seen.get(a.hostname) ?? 0) + 1);
      }
      assert.deepEqual([...seen.keys()].sort(), all, `30 requests to ${h.name}'s address (${url(h.ip)}) reach the replicas on h1, h2 and h3: ${JSON.stringify(Object.fromEntries(seen))}`);
      console.log(`      ${url(h.ip)}: ${v1.map((r) => `${r.replica.host.name}'s replica ${seen.get(r.hostname)}`).join(", ")}`);
    }
  });

  it("a pod reaches web at ${{ services.web.address }} through its own host's proxy", async function () {
    const probes = (await replicas(bed!, repo!.owner, "probe")).filter((r) => r.state === "running");
    assert.deepEqual(probes.map((p) => p.host.name), ["h1", "h2", "h3"], "the global probe runs once on each host");
    const hostnames = v1.map((r) => r.hostname).sort();
    for (const p of probes) {
      const engine = new DockerodeHost({ name: p.host.name, endpoint: `unix://${p.host.socket}` });
      const gateway = p.host.bridgeCidr.split("/")[0]!;
      const env = await engine.exec(p.id, ["sh", "-c", 'echo "$UPSTREAM"; grep -w host.berth.internal /etc/hosts'], 5000);
      assert.equal(env.exitCode, 0, env.output);
      const [upstream, hostsLine] = env.output.trim().split("\n");
      assert.equal(upstream, `host.berth.internal:${PORT}`);
      // The name leads to this engine's own bridge gateway, where only this host's proxy listens.
      assert.deepEqual(hostsLine?.trim().split(/\s+/), [gateway, "host.berth.internal"], `/etc/hosts of the probe on ${p.host.name}`);
      const r = await engine.exec(p.id, ["sh", "-c", 'for i in 1 2 3 4 5 6; do timeout 3 wget -q -O - "http://$UPSTREAM/" || echo "wget failed: $?"; done'], 20_000);
      assert.equal(r.exitCode, 0, r.output);
      const answers = r.output.trim().split("\n").map((l) => l.trim());
      const parsed = answers.map((l) => parseAnswer(l));
      assert.ok(parsed.every((a) => a?.version === "v1"), `every call from the probe on ${p.host.name} answered by web v1: ${JSON.stringify(answers)}`);
      // Balanced over all three replicas: the proxy answered, not one replica by a path of its own.
      assert.deepEqual([...new Set(parsed.map((a) => a!.hostname))].sort(), hostnames, `6 calls from ${p.host.name} reach all three replicas: ${JSON.stringify(answers)}`);
    }
  });

  it("a v1 → v2 rollout under a client with no retries fails no request", async function () {
    const h1 = bed!.hosts[0]!;
    const client = new NoRetryClient([url(h1.ip)], CONCURRENCY);
    await new Promise((r) => setTimeout(r, 1000));
    repo!.commit({ "services/web.yaml": exposedWebYaml(appImage("v2"), PORT) }, "web v2");
    const applied = await repo!.apply().catch(async (err: unknown) => {
      await client.stop();
      throw err;
    });
    const appliedAt = client.now();
    await new Promise((r) => setTimeout(r, 1000));
    const res = await client.stop();
    const after = res.answers.filter((a) => a.at > appliedAt);
    const afterVersions = [...new Set(after.map((a) => a.version))];
    console.log(
      `      ${url(h1.ip)} through the rollout (apply ${applied.ms} ms): ${res.ok + res.failed} requests in ${Math.round(res.elapsedMs)} ms, ${res.failed} failed; answered by ${JSON.stringify(res.versions)}; after the apply: ${after.length}, by ${afterVersions.join(",")}`,
    );
    if (res.failed > 0) console.log(`      h1's proxy log around the rollout:\n${await proxyLog(h1, repo!.owner, client.startedAt)}`);
    assert.equal(res.failed, 0, `no request fails (times in ms after ${new Date(client.startedAt).toISOString()}, to read next to the apply's events): ${describeFailures(res.failures)}`);
    assert.ok((res.versions["v1"] ?? 0) > 0 && (res.versions["v2"] ?? 0) > 0, `both versions answered: ${JSON.stringify(res.versions)}`);
    assert.ok(res.ok >= 1000, `enough requests for the count to mean something: ${res.ok}`);
    assert.ok(after.length > 0, "answers after the apply returned");
    assert.deepEqual(afterVersions, ["v2"], "once the apply has returned, only v2 answers (the old pods were drained, then removed)");
    const now = await replicas(bed!, repo!.owner, "web");
    assert.deepEqual(now.map((r) => [r.host.name, r.state, r.image]), bed!.hosts.map((h) => [h.name, "running", appImage("v2")]), "3 v2 replicas, nothing left over");
  });

  /** What the client saw around h2's engine stopping: filled by the first of the two tests below, read by both. */
  let fault: { res: ClientResult; stopBegan: number; stoppedAt: number; h2Name: string; names: Map<string, string>; urls: string[] } | undefined;

  it("an engine stopped mid-traffic: once it is down, h1's and h3's addresses answer every request, from h1's and h3's replicas only", async function () {
    this.timeout(90_000);
    const [h1, h2, h3] = bed!.hosts;
    const running = (await replicas(bed!, repo!.owner, "web")).filter((r) => r.state === "running");
    assert.equal(running.length, 3, "3 running replicas before the fault");
    const names = new Map(await Promise.all(running.map(async (r) => [r.host.name, await hostnameOf(r)] as const)));
    const h2Name = names.get(h2!.name)!;
    const urls = [url(h1!.ip), url(h3!.ip)];
    const client = new NoRetryClient(urls, CONCURRENCY / 2);
    let stopBegan = 0;
    let stoppedAt = 0;
    let res: ClientResult;
    try {
      // Traffic has reached h2's replica before the fault, so its absence after means something.
      const deadline = Date.now() + 5000;
      while (!client.sofar.some((a) => a.hostname === h2Name) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 1000));
      stopBegan = client.now();
      await stopEngine(h2!);
      stoppedAt = client.now();
      // Longer than the client's 5 s timeout: a request caught hanging by the stop (see the test after it) frees its loop within it.
      await new Promise((r) => setTimeout(r, 6500));
    } finally {
      // Whatever happened, no loop outlives the test.
      res = await client.stop();
    }
    fault = { res, stopBegan, stoppedAt, h2Name, names, urls };
    const p = (xs: number[], q: number) => (xs.length ? xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]! : NaN);
    const beforeStop = res.answers.filter((a) => a.at < stopBegan);
    const afterStop = res.answers.filter((a) => a.at > stoppedAt);
    const hostOf = (hostname: string) => [...names].find(([, n]) => n === hostname)?.[0] ?? hostname;
    const byHostAfter = (u: string) => afterStop.filter((a) => a.url === u).reduce<Record<string, number>>((m, a) => ((m[hostOf(a.hostname)] = (m[hostOf(a.hostname)] ?? 0) + 1), m), {});
    const failedAfter = res.failures.filter((f) => f.sent > stoppedAt);
    const failedDuring = res.failures.filter((f) => f.sent <= stoppedAt);
    console.log(
      `      h2's engine stopped in ${Math.round(stoppedAt - stopBegan)} ms; ${res.ok + res.failed} requests to ${urls.join(" and ")}: ${failedDuring.length} failed while it stopped, ${failedAfter.length} after; ` +
        `before: ${beforeStop.length} answers (${beforeStop.filter((a) => a.hostname === h2Name).length} from h2's replica), p50/p99 ${p(beforeStop.map((a) => a.ms), 0.5).toFixed(1)}/${p(beforeStop.map((a) => a.ms), 0.99).toFixed(1)} ms; ` +
        `after: ${JSON.stringify(Object.fromEntries(urls.map((u) => [u, byHostAfter(u)])))}, p50/p99 ${p(afterStop.map((a) => a.ms), 0.5).toFixed(1)}/${p(afterStop.map((a) => a.ms), 0.99).toFixed(1)} ms`,
    );
    assert.ok(beforeStop.some((a) => a.hostname === h2Name), "h2's replica answered before the fault");
    assert.equal(failedAfter.length, 0, `no request sent to h1's or h3's address after h2's engine stopped fails: ${describeFailures(failedAfter)}`);
    assert.equal(afterStop.filter((a) => a.hostname === h2Name).length, 0, "no answer from h2's replica once its engine has stopped");
    for (const u of urls) {
      const seen = byHostAfter(u);
      assert.ok((seen[h1!.name] ?? 0) > 0 && (seen[h3!.name] ?? 0) > 0, `${u} answered from h1's and h3's replicas after the stop: ${JSON.stringify(seen)}`);
    }
  });

  // Guards a bug this test found: in `mode tcp`, `option redispatch` + `retries` only cover a connection the
  // replica refuses. A published port on a Docker engine is held by its docker-proxy, which accepts the
  // connection and then resets it (or hangs while it cannot reach the container) between the replica's process
  // exiting and the engine removing the port; HAProxy had already forwarded the bytes and could not retry. Seen
  // on the bed: 10–40 ECONNRESET, sometimes a 5 s client timeout, in the ~100 ms after h2's engine began
  // stopping. web is exposed with `protocol: http`, whose backends retry a request nobody answered
  // (haproxy-config.ts HTTP_RETRY).
  it("while h2's engine stops, no request sent to h1's or h3's address fails; of those already in flight, at most one per client loop", function () {
    assert.ok(fault, "the test before it ran the fault and recorded what the client saw");
    const { stopBegan, stoppedAt } = fault;
    const during = fault.res.failures.filter((f) => f.sent >= stopBegan && f.sent <= stoppedAt);
    assert.equal(
      during.length,
      0,
      `${during.length} of ${fault.res.ok + fault.res.failed} requests sent to h1's and h3's exposed addresses while h2's engine was stopping failed ` +
        `(stop began at ${Math.round(stopBegan)} ms, done at ${Math.round(stoppedAt)} ms): a request h2's docker-proxy accepted and then dropped ` +
        `was not sent again to another replica: ${describeFailures(during)}`,
    );
    // A request whose answer h2's replica was already sending when it was killed cannot be sent again (part of
    // it reached the client): the limit of any proxy in front of a replica that dies mid-answer (docs/traffic.md).
    // Seen in 1 of 10 runs: one such request. Never more than the requests in flight, one per loop.
    const inFlight = fault.res.failures.filter((f) => f.sent < stopBegan);
    assert.ok(inFlight.length <= CONCURRENCY / 2, `${inFlight.length} requests in flight when h2's engine began stopping failed, more than the client's ${CONCURRENCY / 2} loops: ${describeFailures(inFlight)}`);
  });
});
