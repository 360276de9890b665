/**
 * Faults that are not the commit's (issue 11), on recording fake hosts: a
 * host that stops answering mid-rollout is left out and the others converge;
 * a registry outage changes nothing and waits; a missing image is the
 * commit's fault. Every result says so as data ({code, reaction}). End to
 * end on the bed's engines: test/integration/faults/.
 */
import assert from "node:assert/strict";
import type { FakeFleet } from "../../support/fake-host.ts";
import { roll } from "../../support/roll.ts";
import { fencedHost } from "../../../reconciler/lease/fenced-host.ts";
import { LeaseLostError } from "../../../reconciler/lease/lease-lost-error.ts";

const V2 = "app:v2";
const running = (f: FakeFleet) => [...f.pods.values()].filter((p) => p.state === "running").map((p) => `${p.host}:${p.image}`).sort();
/** Takes `host` down the moment `call` is recorded. */
const downAt = (call: string, host: string) => (f: FakeFleet) => {
  f.onCall = (c) => {
    if (c === call) f.down.add(host);
  };
};

describe("rollout: faults that are not the commit's (fake hosts)", function () {
  it("a host lost mid-rollout: the other hosts converge, the result waits for it, nothing is rolled back", async function () {
    const { fleet, result } = await roll({ image: V2, setup: downAt(`h2 launch web/1 ${V2}`, "h3") });
    const s = result.services[0]!;
    assert.equal(s.result, "waiting", JSON.stringify(s));
    assert.deepEqual([s.error?.code, s.error?.reaction], ["host-unreachable", "retry"]);
    assert.deepEqual(s.hosts, { converged: ["h1", "h2"], waiting: [{ host: "h3", code: "host-unreachable", message: s.hosts!.waiting[0]!.message }] });
    assert.match(s.reason ?? "", /^h3 stopped answering .*; converged on h1, h2; the rest is taken up when h3 answers$/);
    // h3 was down: its old pod is as it was; h1 and h2 run v2 alone.
    assert.deepEqual(running(fleet), [`h1:${V2}`, `h2:${V2}`, "h3:app:v1"]);
    assert.ok(!fleet.calls.some((c) => c.includes(" start ")), "no old pod was restarted: nothing was rolled back");
    assert.equal(result.ok, false);
  });

  it("the host of the slot being replaced is lost during its gate: that slot waits, the others converge", async function () {
    const { fleet, result } = await roll({ image: V2, setup: downAt(`h2 launch web/1 ${V2}`, "h2") });
    const s = result.services[0]!;
    assert.equal(s.result, "waiting", JSON.stringify(s));
    assert.deepEqual(s.hosts?.converged, ["h1", "h3"]);
    assert.deepEqual(s.hosts?.waiting.map((w) => w.host), ["h2"]);
    // h2's pods could not be touched once it was gone: the engine keeps what it had (old running, new starting).
    assert.deepEqual(running(fleet), [`h1:${V2}`, "h2:app:v1", `h2:${V2}`, `h3:${V2}`]);
    assert.ok(!fleet.calls.some((c) => c.startsWith("h1 start") || c.startsWith("h3 start")), "nothing rolled back on the hosts that answer");
  });

  it("a commit fault after a host was lost rolls back the hosts that answer, and leaves the lost one for later", async function () {
    const { fleet, result } = await roll({
      image: "app:broken",
      setup: (f) => {
        f.brokenImages.add("app:broken");
        downAt("h1 launch web/0 app:broken", "h1")(f);
      },
    });
    const s = result.services[0]!;
    assert.equal(s.result, "rolled-back", JSON.stringify(s));
    assert.deepEqual([s.error?.code, s.error?.reaction], ["pod-not-ready", "stalled"]);
    assert.deepEqual(running(fleet), ["h1:app:broken", "h1:app:v1", "h2:app:v1", "h3:app:v1"]);
  });

  it("a registry outage: nothing is started or stopped, and the result waits (retry, not held)", async function () {
    const { fleet, result } = await roll({ image: V2, setup: (f) => (f.registryDown = true) });
    const s = result.services[0]!;
    assert.equal(s.result, "waiting", JSON.stringify(s));
    assert.deepEqual([s.error?.code, s.error?.reaction, s.error?.data.image], ["registry-unavailable", "retry", V2]);
    assert.match(s.reason ?? "", /nothing was changed$/);
    assert.deepEqual(fleet.calls.filter((c) => !c.includes(" pull ")), [], "only pulls were tried");
    assert.deepEqual(running(fleet), ["h1:app:v1", "h2:app:v1", "h3:app:v1"]);
  });

  it("a tag that does not exist is the commit's fault: nothing changes, the result names the image (stalled)", async function () {
    const { fleet, result } = await roll({ image: "app:nope", setup: (f) => f.unpullable.add("app:nope") });
    const s = result.services[0]!;
    assert.equal(s.result, "failed", JSON.stringify(s));
    assert.deepEqual([s.error?.code, s.error?.reaction, s.error?.data.image], ["image-not-found", "stalled", "app:nope"]);
    assert.match(s.reason ?? "", /image app:nope does not exist .*; nothing was changed$/);
    assert.deepEqual(running(fleet), ["h1:app:v1", "h2:app:v1", "h3:app:v1"]);
  });

  it("a lease lost mid-rollout (--lock): no write after it, and the result waits — not the commit's fault, nothing held", async function () {
    let lost = false;
    const fence = {
      fence: async () => {
        if (lost) throw new LeaseLostError({ lock: "etcd://e:2379", instance: "a", cause: "its lease expired" });
      },
    };
    const { fleet, result } = await roll({
      image: V2,
      setup: (f) => {
        f.onCall = (c) => {
          if (c === `h2 launch web/1 ${V2}`) lost = true;
        };
      },
      wrap: (_name, h) => fencedHost(h, fence),
    });
    const s = result.services[0]!;
    assert.equal(s.result, "waiting", JSON.stringify(s));
    assert.deepEqual([s.error?.code, s.error?.reaction], ["lease-lost", "retry"]);
    const after = fleet.calls.slice(fleet.calls.indexOf(`h2 launch web/1 ${V2}`) + 1);
    assert.deepEqual(after.filter((c) => / (launch|stop|remove|start) /.test(c)), [], `writes after the loss: ${after.join("; ")}`);
  });
});
