/**
 * The example fleet's east-west traffic: `web` and `cache` are exposed, and
 * `api` reaches the cache through its ambassador at the cache's stable
 * address (its own host's proxy), not at a host port of one replica.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { loadFleet } from "../../../reconciler/load/load-fleet.ts";
import { readRepoDir } from "../../../reconciler/load/read-dir.ts";

const EXAMPLES = resolve(import.meta.dirname, "..", "..", "..", "examples-repo");

describe("examples-repo: service addresses", () => {
  it("web and cache are exposed; cache binds no fixed host port; only api (an address) and reporter (etcd at host.berth.internal) carry the host alias", async () => {
    const result = loadFleet(await readRepoDir(EXAMPLES));
    assert.ok(result.ok, JSON.stringify(result.diagnostics));
    const byName = new Map(result.fleet.services.map((s) => [s.name, s]));
    assert.deepEqual(byName.get("web")?.expose, [{ port: 18080, targetPort: "http", containerPort: 8080, protocol: "http" }]);
    assert.deepEqual(byName.get("cache")?.expose, [{ port: 16379, targetPort: "cache", containerPort: 6379 }]);
    assert.deepEqual(byName.get("cache")?.pod.ports.map((p) => p.hostPort), [undefined]);
    const api = byName.get("api")?.pod;
    assert.deepEqual(api?.extraHosts, ["host.berth.internal:host-gateway"]);
    assert.match(api?.containers.find((c) => c.name === "cache-ambassador")?.args?.[0] ?? "", /^u="host\.berth\.internal:16379"; nc -ll -p 6379 -e nc /);
    const reporter = byName.get("reporter")?.pod;
    assert.deepEqual(reporter?.extraHosts, ["host.berth.internal:host-gateway"]);
    assert.equal(reporter?.containers.find((c) => c.name === "leader-elector")?.env["ETCDCTL_ENDPOINTS"], "http://host.berth.internal:2379");
    for (const other of [...result.fleet.services.filter((s) => s.name !== "api" && s.name !== "reporter"), ...result.fleet.jobs]) assert.equal(other.pod.extraHosts, undefined, other.name);
  });
});
