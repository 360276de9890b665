/**
 * Connecting to engines and observing a fleet (issue 6 §1): plain TCP only
 * with `insecure: true`, and an unreachable engine reported within a
 * bounded time while the others are observed.
 */
import assert from "node:assert/strict";
import { DockerodeHost } from "../../../reconciler/docker/dockerode-host.ts";
import { EndpointRefusedError } from "../../../reconciler/docker/errors.ts";
import { observeFleet } from "../../../reconciler/docker/observe-fleet.ts";
import type { BedLayout } from "../../../testbed/layout.ts";
import { removeOwnerContainers, useBed } from "../../support/bed.ts";
import { podId, podLaunch } from "./bed-pods.ts";

describe("hosts: the adapter on real engines — fleet", function () {
  const owner = `test-hosts-${podId()}`;
  let bed: BedLayout;

  before(async function () {
    bed = await useBed(this);
  });

  after(async function () {
    if (!bed) return;
    this.timeout(60_000);
    await removeOwnerContainers(bed, owner);
  });

  it("plain tcp to a real engine is refused without insecure: true, with the reason", () => {
    const h1 = bed.hosts[0]!;
    assert.throws(
      () => new DockerodeHost({ name: h1.name, endpoint: h1.tcp }),
      (err: unknown) => {
        assert.ok(err instanceof EndpointRefusedError);
        assert.match(err.message, new RegExp(`^host "h1": ${h1.tcp.replace(/\./g, "\\.")} has no TLS.*insecure: true$`));
        return true;
      },
    );
  });

  it("observes the bed over tcp with insecure: true; an unreachable engine is reported quickly and holds up no one", async () => {
    const hosts = bed.hosts.map((h) => new DockerodeHost({ name: h.name, endpoint: h.tcp, insecure: true }));
    const { containers } = await hosts[2]!.launchPod(podLaunch(owner, { group: "fleet", slot: 2, hostIp: bed.hosts[2]!.ip }));
    const gone = new DockerodeHost({ name: "gone", endpoint: "tcp://127.0.0.99:2375", insecure: true });

    const t0 = Date.now();
    const out = await observeFleet([hosts[0]!, gone, hosts[1]!, hosts[2]!], owner, 2);
    const took = Date.now() - t0;
    assert.ok(took < 3000, `observing 4 hosts took ${took} ms`);

    assert.deepEqual(out.map((o) => [o.host, o.ok]), [["h1", true], ["gone", false], ["h2", true], ["h3", true]]);
    const failed = out[1]!;
    assert.ok(!failed.ok);
    assert.deepEqual({ code: failed.error.code, reaction: failed.error.reaction }, { code: "host-unreachable", reaction: "retry" });
    assert.match(failed.error.message, /^host "gone" at tcp:\/\/127\.0\.0\.99:2375 cannot be reached: (listing containers|reading engine info): .*ECONNREFUSED/);

    for (const o of out) {
      if (!o.ok) continue;
      assert.ok(o.capacity.cpu > 0 && o.capacity.memory > 0, `${o.host} capacity ${JSON.stringify(o.capacity)}`);
      assert.deepEqual(o.containers.map((c) => c.id), o.host === "h3" ? [containers[0]!.id] : []);
    }
  });
});
