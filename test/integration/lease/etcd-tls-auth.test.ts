/**
 * `--lock` against an etcd that demands TLS with client certificates, and
 * one that demands a user and password (issue 14: "with TLS and auth
 * options for etcd"). Private etcd servers (Debian's etcd-server) with a CA
 * and certificates made by openssl for the test; the bed is not needed.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { openEtcd, type EtcdOptions } from "../../../reconciler/lease/etcd-client.ts";
import { EtcdElection } from "../../../reconciler/lease/etcd-election.ts";
import { EtcdStateStore } from "../../../reconciler/lease/etcd-store.ts";
import { startEtcd, stopEtcd } from "../../../testbed/etcd.ts";

const log = pino({ level: "silent" });

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA. */
function makeCerts(dir: string): { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string; otherCert: string; otherKey: string } {
  const f = (n: string) => path.join(dir, n);
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.crt"), "-days", "2", "-subj", "/CN=berth test CA");
  writeFileSync(f("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  writeFileSync(f("client.ext"), "extendedKeyUsage=clientAuth\n");
  const sign = (name: string, cn: string, ext: string, ca = "ca") => {
    ssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f(`${name}.key`), "-out", f(`${name}.csr`), "-subj", `/CN=${cn}`);
    ssl("x509", "-req", "-in", f(`${name}.csr`), "-CA", f(`${ca}.crt`), "-CAkey", f(`${ca}.key`), "-CAcreateserial", "-out", f(`${name}.crt`), "-days", "2", "-extfile", f(ext));
  };
  sign("server", "127.0.0.1", "server.ext");
  sign("client", "berth", "client.ext");
  // A client certificate from another CA: etcd must refuse it.
  ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f("other-ca.key"), "-out", f("other-ca.crt"), "-days", "2", "-subj", "/CN=another CA");
  sign("other", "intruder", "client.ext", "other-ca");
  return { ca: f("ca.crt"), serverCert: f("server.crt"), serverKey: f("server.key"), clientCert: f("client.crt"), clientKey: f("client.key"), otherCert: f("other.crt"), otherKey: f("other.key") };
}

describe("--lock with etcd TLS and authentication (real etcd)", function () {
  this.timeout(60_000);
  let dir: string;
  const elections: EtcdElection[] = [];
  const elect = async (opts: EtcdOptions, instance = "a") => {
    const e = new EtcdElection({ etcd: openEtcd(opts), owner: `test-tls-${process.pid}`, instance, ttlS: 3, log });
    elections.push(e);
    await e.start();
    return e;
  };
  before(() => (dir = mkdtempSync(path.join(os.tmpdir(), "berth-etcd-tls-"))));
  afterEach(async () => {
    await Promise.allSettled(elections.splice(0).map((e) => e.close()));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("speaks TLS with a client certificate (--etcd-cacert, --etcd-cert, --etcd-key), and is refused without one or with a foreign one", async function () {
    const c = makeCerts(dir);
    const pidFile = path.join(dir, "tls.pid");
    await startEtcd({ dataDir: path.join(dir, "tls-data"), clientPort: 23797, peerPort: 23798, logFile: path.join(dir, "tls.log"), pidFile, name: "tls", tls: { cert: c.serverCert, key: c.serverKey, ca: c.ca, metricsPort: 23799 } });
    try {
      const lock = "etcd://127.0.0.1:23797";
      const a = await elect({ lock, cacert: c.ca, cert: c.clientCert, key: c.clientKey });
      assert.equal(a.state().leader, true, `leads over TLS: ${a.state().reason}`);
      await a.fence();
      const store = new EtcdStateStore(openEtcd({ lock, cacert: c.ca, cert: c.clientCert, key: c.clientKey }), `test-tls-${process.pid}`, a);
      assert.equal(await store.claimRun("backup", 1_000), true, "a fenced write over TLS");
      const noCert = await elect({ lock, cacert: c.ca }, "b");
      assert.equal(noCert.state().leader, false);
      assert.match(noCert.state().reason ?? "", /refused or did not answer \(.*bad certificate/);
      const foreign = await elect({ lock, cacert: c.ca, cert: c.otherCert, key: c.otherKey }, "c");
      assert.equal(foreign.state().leader, false);
      assert.match(foreign.state().reason ?? "", /refused or did not answer/);
    } finally {
      await stopEtcd(pidFile);
    }
  });

  it("authenticates with --etcd-user and BERTH_ETCD_PASSWORD, and a wrong password does not lead", async function () {
    const pidFile = path.join(dir, "auth.pid");
    const { url } = await startEtcd({ dataDir: path.join(dir, "auth-data"), clientPort: 23801, peerPort: 23802, logFile: path.join(dir, "auth.log"), pidFile, name: "auth" });
    try {
      const ctl = (...args: string[]) => execFileSync("etcdctl", ["--endpoints", url, ...args], { stdio: "pipe", env: { ...process.env, ETCDCTL_API: "3" } });
      ctl("user", "add", "root:root-pw");
      ctl("user", "add", "berth:s3cret-pw");
      ctl("role", "add", "berth");
      ctl("role", "grant-permission", "berth", "--prefix=true", "readwrite", "/berth/");
      ctl("user", "grant-role", "berth", "berth");
      ctl("auth", "enable");
      const lock = "etcd://127.0.0.1:23801";
      const a = await elect({ lock, user: "berth", password: "s3cret-pw" });
      assert.equal(a.state().leader, true, `leads as berth: ${a.state().reason}`);
      await a.fence();
      const wrong = await elect({ lock, user: "berth", password: "not-it" }, "b");
      assert.equal(wrong.state().leader, false);
      assert.match(wrong.state().reason ?? "", /refused or did not answer \(.*authentication failed/);
      assert.doesNotMatch(JSON.stringify(wrong.state()), /not-it|s3cret-pw/, "no password in the status");
      const anonymous = await elect({ lock }, "c");
      assert.equal(anonymous.state().leader, false);
      assert.throws(() => openEtcd({ lock, user: "berth" }), /--etcd-user berth needs BERTH_ETCD_PASSWORD set/);
    } finally {
      await stopEtcd(pidFile);
    }
  });
});
