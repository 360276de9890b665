/**
 * `Host.spec.address`: where clients and other hosts reach a host (traffic
 * binds exposed ports there). Loaded as written, absent when not given, and
 * what the engine adapter reports as its address.
 */
import assert from "node:assert/strict";
import { DockerodeHost } from "../../../reconciler/docker/dockerode-host.ts";
import { HOSTS, loadWith } from "./fleet-files.ts";

describe("Host address", () => {
  it("is loaded as written, and absent when not given", () => {
    const r = loadWith({ "hosts.yaml": HOSTS.replace("  endpoint: tcp://127.0.0.11:2375\n", "  endpoint: tcp://127.0.0.11:2375\n  address: 10.0.0.1\n") });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.diagnostics));
    assert.equal(r.fleet.hosts.find((h) => h.name === "h1")!.address, "10.0.0.1");
    assert.equal("address" in r.fleet.hosts.find((h) => h.name === "h2")!, false);
  });

  it("refuses a value that is no address, at its line", () => {
    const r = loadWith({ "hosts.yaml": HOSTS.replace("  endpoint: tcp://127.0.0.11:2375\n", "  endpoint: tcp://127.0.0.11:2375\n  address: 'a b'\n") });
    assert.equal(r.ok, false);
    assert.deepEqual(!r.ok && r.diagnostics.map((d) => [d.file, d.line, d.path]), [["hosts.yaml", 7, "spec.address"]]);
  });

  for (const c of [
    { name: "unix, no address: loopback", spec: { name: "h", endpoint: "unix:///var/run/docker.sock" }, want: "127.0.0.1" },
    { name: "unix with an address: that address", spec: { name: "h", endpoint: "unix:///var/run/docker.sock", address: "192.0.2.7" }, want: "192.0.2.7" },
    { name: "tcp, no address: the endpoint's host", spec: { name: "h", endpoint: "tcp://127.0.0.12:2375", insecure: true }, want: "127.0.0.12" },
  ]) {
    it(`the engine adapter's address (${c.name})`, () => {
      assert.equal(new DockerodeHost(c.spec, {}).address, c.want);
    });
  }
});
