/**
 * Which of a host's verbs ask the leadership first: every write (and exec,
 * which the proxy router writes through), none of the reads, so a
 * follower observes freely and a leader that lost its lease writes nothing.
 */
import assert from "node:assert/strict";
import type { DockerHost } from "../../../reconciler/docker/types.ts";
import { fencedHost } from "../../../reconciler/lease/fenced-host.ts";
import { LeaseLostError } from "../../../reconciler/lease/lease-lost-error.ts";

const VERBS: { verb: keyof DockerHost; args: unknown[]; fenced: boolean }[] = [
  { verb: "observe", args: ["o"], fenced: false },
  { verb: "capacity", args: [], fenced: false },
  { verb: "portsInUse", args: ["o"], fenced: false },
  { verb: "pull", args: ["img"], fenced: false },
  { verb: "status", args: ["id"], fenced: false },
  { verb: "bridgeGateway", args: [], fenced: false },
  { verb: "logsTail", args: ["id", 5], fenced: false },
  { verb: "launchPod", args: [{}], fenced: true },
  { verb: "stopPod", args: ["o", "p", 1000], fenced: true },
  { verb: "startPod", args: ["o", "p"], fenced: true },
  { verb: "removePod", args: ["o", "p"], fenced: true },
  { verb: "resizePod", args: ["o", "p", []], fenced: true },
  { verb: "exec", args: ["id", ["true"], 1000], fenced: true },
];

describe("fenced host", function () {
  const called: string[] = [];
  const inner = new Proxy({ name: "h1", address: "127.0.0.1" } as unknown as DockerHost, {
    get: (target, prop) => (prop in target ? (target as unknown as Record<string | symbol, unknown>)[prop] : async () => void called.push(String(prop))),
  });
  const lost = fencedHost(inner, { fence: () => Promise.reject(new LeaseLostError({ lock: "etcd://x:2379", instance: "a", cause: "its lease expired" })) });

  for (const v of VERBS) {
    it(`${v.verb} ${v.fenced ? "is refused" : "goes through"} once the lease is lost`, async function () {
      called.length = 0;
      const call = (lost[v.verb] as (...a: unknown[]) => Promise<unknown>)(...v.args);
      if (v.fenced) {
        await assert.rejects(call, (e: unknown) => e instanceof LeaseLostError && e.code === "lease-lost" && e.reaction === "retry");
        assert.deepEqual(called, [], "the engine was not asked");
      } else {
        await call;
        assert.deepEqual(called, [v.verb]);
      }
    });
  }

  it("keeps the host's name and address", function () {
    assert.equal(lost.name, "h1");
    assert.equal(lost.address, "127.0.0.1");
  });
});
