import assert from "node:assert/strict";
import { parseLockAddress } from "../../../reconciler/lease/lock-address.ts";

describe("--lock address", function () {
  const ok: { text: string; tls: boolean; endpoints: string[] }[] = [
    { text: "etcd://127.0.0.1:2379", tls: false, endpoints: ["http://127.0.0.1:2379"] },
    { text: "etcd://10.0.0.1:2379,10.0.0.2:2379, etcd-3.example:2379", tls: false, endpoints: ["http://10.0.0.1:2379", "http://10.0.0.2:2379", "http://etcd-3.example:2379"] },
    { text: "etcd://[::1]:2379", tls: true, endpoints: ["https://[::1]:2379"] },
  ];
  for (const c of ok) it(`reads ${c.text}${c.tls ? " (TLS)" : ""}`, () => assert.deepEqual(parseLockAddress(c.text, c.tls).endpoints, c.endpoints));

  const bad: { text: string; says: RegExp }[] = [
    { text: "http://127.0.0.1:2379", says: /expected etcd:\/\/HOST:PORT/ },
    { text: "etcd://127.0.0.1", says: /"127\.0\.0\.1" is not HOST:PORT/ },
    { text: "etcd://127.0.0.1:0", says: /is not HOST:PORT/ },
    { text: "etcd://127.0.0.1:2379,", says: /"" is not HOST:PORT/ },
    { text: "etcd://root:pw@127.0.0.1:2379", says: /no credentials in the address; use --etcd-user and BERTH_ETCD_PASSWORD/ },
  ];
  for (const c of bad) it(`refuses ${c.text}`, () => assert.throws(() => parseLockAddress(c.text, false), c.says));

  it("does not quote a password given in the address", function () {
    assert.throws(
      () => parseLockAddress("etcd://root:hunter2@127.0.0.1:2379", false),
      (err: unknown) => err instanceof Error && !err.message.includes("hunter2"),
    );
  });
});
