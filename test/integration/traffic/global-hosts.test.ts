/**
 * A global service (`placement.mode: global`, no replicas) follows the hosts
 * in git, applied by a real `berth apply` after each commit: one pod on each
 * host; a host added gets exactly one new pod and the others are left alone
 * (same containers); a host removed loses its pod, the others again alone.
 */
import assert from "node:assert/strict";
import type { BedLayout } from "../../../testbed/layout.ts";
import { useBed } from "../../support/bed.ts";
import { idleServiceYaml, replicas, tcpHostsYaml, TrafficRepo } from "./traffic-fleet.ts";

const agentYaml = idleServiceYaml("agent", ["  placement:", "    mode: global", "  rollout:", "    monitor: 1s"]);

describe("traffic: a global service follows the hosts in git", function () {
  this.timeout(60_000);
  let bed: BedLayout | undefined;
  let repo: TrafficRepo | undefined;

  before(async function () {
    bed = await useBed(this);
    repo = new TrafficRepo(bed, "global");
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed" && repo) console.log(`      berth apply output (last lines):\n${repo.log.trimEnd().split("\n").slice(-40).join("\n")}`);
  });

  after(async function () {
    await repo?.cleanup();
  });

  /** Every agent container on the bed as [host, container id, state]. */
  const agents = async () => (await replicas(bed!, repo!.owner, "agent")).map((r) => [r.host.name, r.id, r.state] as const);

  it("one pod on each host; a host added gets exactly one, a host removed loses its own, the others stay the same containers", async function () {
    const [h1, h2, h3] = bed!.hosts;
    repo!.commit({ "hosts.yaml": tcpHostsYaml([h1!, h2!]), "services/agent.yaml": agentYaml }, "agent on every host; two hosts");
    await repo!.apply();
    const first = await agents();
    assert.deepEqual(first.map(([h, , s]) => [h, s]), [["h1", "running"], ["h2", "running"]], "one running pod on each of the two hosts, none on h3");

    repo!.commit({ "hosts.yaml": tcpHostsYaml([h1!, h2!, h3!]) }, "h3 joins");
    await repo!.apply();
    const second = await agents();
    assert.deepEqual(second.slice(0, 2), first, "h1's and h2's pods are the same containers, still running");
    assert.deepEqual(second.slice(2).map(([h, , s]) => [h, s]), [["h3", "running"]], "exactly one new pod, on h3");

    repo!.commit({ "hosts.yaml": tcpHostsYaml([h1!, h3!]) }, "h2 leaves");
    await repo!.apply();
    const third = await agents();
    assert.deepEqual(third, [second[0], second[2]], "h2's pod is removed (not just stopped); h1's and h3's are the same containers, still running");
    console.log(`      agent containers: ${[first, second, third].map((l) => l.map(([h, id]) => `${h}:${id.slice(0, 8)}`).join(" ")).join(" → ")}`);
  });
});
