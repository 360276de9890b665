/**
 * `tcp://` with TLS, the way production engines are reached: a real mutual-
 * TLS endpoint (certificates made with openssl, a TLS server that demands a
 * client certificate signed by its CA) in front of one of the bed's engines.
 * The engine's own TLS flags would apply to all its listeners, and the other
 * suites use its plain ones, hence the terminator.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { DockerodeHost } from "../../../reconciler/docker/dockerode-host.ts";
import { EndpointRefusedError } from "../../../reconciler/docker/errors.ts";
import type { BedLayout } from "../../../testbed/layout.ts";
import { useBed } from "../../support/bed.ts";

/** A CA, a server certificate for 127.0.0.1, and client certificates: one from the CA, one from a stranger. */
function makeCertificates(dir: string): void {
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ca = (name: string) => {
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${name}`, "-keyout", `${name}-key.pem`, "-out", `${name}.pem`);
  };
  const leaf = (name: string, signer: string, ext: string) => {
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name}`, "-keyout", `${name}-key.pem`, "-out", `${name}.csr`);
    writeFileSync(path.join(dir, `${name}.ext`), ext);
    ssl("x509", "-req", "-in", `${name}.csr`, "-CA", `${signer}.pem`, "-CAkey", `${signer}-key.pem`, "-CAcreateserial", "-days", "2", "-extfile", `${name}.ext`, "-out", `${name}.pem`);
  };
  ca("ca");
  ca("stranger-ca");
  leaf("server", "ca", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  leaf("client", "ca", "extendedKeyUsage=clientAuth\n");
  leaf("stranger", "stranger-ca", "extendedKeyUsage=clientAuth\n");
}

describe("hosts: tcp:// with mutual TLS to a real engine", function () {
  this.timeout(60_000);
  let bed: BedLayout;
  let dir: string;
  let server: tls.Server;
  let endpoint: string;
  const file = (name: string) => path.join(dir, name);

  before(async function () {
    bed = await useBed(this);
    dir = mkdtempSync(path.join(os.tmpdir(), "berth-tls-"));
    makeCertificates(dir);
    const socket = bed.hosts[0]!.socket;
    server = tls.createServer({ key: readFileSync(file("server-key.pem")), cert: readFileSync(file("server.pem")), ca: readFileSync(file("ca.pem")), requestCert: true, rejectUnauthorized: true }, (client) => {
      const engine = net.connect(socket);
      client.pipe(engine).pipe(client);
      const close = () => {
        client.destroy();
        engine.destroy();
      };
      client.on("error", close);
      engine.on("error", close);
    });
    server.on("tlsClientError", () => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });

  after(async function () {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("observes the engine with the CA, client certificate and key of the Host's tls", async function () {
    const host = new DockerodeHost({ name: "secure", endpoint, tls: { ca: file("ca.pem"), cert: file("client.pem"), key: file("client-key.pem") } });
    assert.deepEqual(await host.observe(`nobody-${process.pid}`), []);
    const capacity = await host.capacity();
    assert.ok(capacity.cpu >= 1 && capacity.memory > 0, JSON.stringify(capacity));
  });

  it("a client certificate the engine's CA did not sign is refused, and the error names the host", async function () {
    const host = new DockerodeHost({ name: "secure", endpoint, tls: { ca: file("ca.pem"), cert: file("stranger.pem"), key: file("stranger-key.pem") } });
    await assert.rejects(host.observe("o"), (err: Error) => {
      assert.match(err.message, /^host "secure" .*(does the engine accept the Host's tls\.cert\?|refused the client certificate)/);
      return true;
    });
  });

  it("an engine whose certificate the Host's CA did not sign is refused before anything is sent", async function () {
    const host = new DockerodeHost({ name: "secure", endpoint, tls: { ca: file("stranger-ca.pem"), cert: file("client.pem"), key: file("client-key.pem") } });
    await assert.rejects(host.observe("o"), (err: Error) => {
      assert.ok(err instanceof EndpointRefusedError && err.reaction === "stalled", `${err.constructor.name}: ${err.message}`);
      assert.match(err.message, /^host "secure": listing containers at tcp:\/\/127\.0\.0\.1:\d+: the engine's certificate is not signed by the CA in the Host's tls\.ca \(self[- ]signed certificate in certificate chain\)$/);
      return true;
    });
  });
});
