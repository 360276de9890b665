/**
 * Where the scheduler takes each slot to run now. Of two running pods in
 * one slot, which happens when a host lost past hostLostAfter comes back
 * with the pod whose slot was moved away (issue 16), the one berth put
 * there later (the record's slot host) stays, whichever host comes first.
 */
import assert from "node:assert/strict";
import type { ObservedContainer } from "../../../reconciler/docker/types.ts";
import { currentPlacements } from "../../../reconciler/pipeline/scheduler-input.ts";

const pod = (host: string, state: ObservedContainer["state"] = "running"): ObservedContainer => ({
  host,
  id: `id-${host}`,
  name: `web-0-${host}`,
  labels: {},
  image: "app:v1",
  state,
  health: "healthy",
  createdAt: 0,
  ports: [],
  owner: "o",
  kind: "service",
  group: "web",
  slot: 0,
  container: "main",
  pod: `pod-${host}`,
  specHash: "h",
  commit: "c",
});

describe("pipeline: currentPlacements", function () {
  for (const order of [["h1", "h2"], ["h2", "h1"]]) {
    it(`keeps the slot where the record last put it, observed as ${order.join(", ")}`, function () {
      const out = currentPlacements(order.map((h) => pod(h)), [{ group: "web", slot: 0, host: "h2" }]);
      assert.deepEqual(out, [{ group: "web", slot: 0, host: "h2" }]);
    });
  }

  it("prefers a running pod to an exited one, whatever the record says", function () {
    assert.deepEqual(currentPlacements([pod("h2", "exited"), pod("h1")], [{ group: "web", slot: 0, host: "h2" }]), [{ group: "web", slot: 0, host: "h1" }]);
  });

  it("without a record, the first running pod observed", function () {
    assert.deepEqual(currentPlacements([pod("h1"), pod("h2")]), [{ group: "web", slot: 0, host: "h1" }]);
  });
});
