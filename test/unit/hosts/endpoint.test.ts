/**
 * How a Host's endpoint becomes a connection (DESIGN §5, issue 6 §1): unix
 * sockets, TLS from certificate files, plain TCP only when the Host says
 * `insecure: true`, and the default host when the repository declares none.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { defaultEndpoint, resolveEndpoint, type Connection, type EndpointSpec } from "../../../reconciler/docker/endpoint.ts";
import { EndpointRefusedError } from "../../../reconciler/docker/errors.ts";

describe("hosts: endpoint", () => {
  let dir: string;
  let certs: { ca: string; cert: string; key: string };

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "berth-endpoint-"));
    certs = { ca: path.join(dir, "ca.pem"), cert: path.join(dir, "cert.pem"), key: path.join(dir, "key.pem") };
    for (const [what, file] of Object.entries(certs)) writeFileSync(file, `${what} bytes`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const accepted: { name: string; spec: () => EndpointSpec; want: (c: Connection) => void }[] = [
    {
      name: "unix socket: path kept, ports reached on loopback",
      spec: () => ({ name: "h1", endpoint: "unix:///var/run/docker.sock" }),
      want: (c) => assert.deepEqual(c, { kind: "unix", socketPath: "/var/run/docker.sock", address: "127.0.0.1" }),
    },
    {
      name: "plain tcp with insecure: true",
      spec: () => ({ name: "h1", endpoint: "tcp://10.0.0.5:2375", insecure: true }),
      want: (c) => assert.deepEqual(c, { kind: "tcp", host: "10.0.0.5", port: 2375, address: "10.0.0.5" }),
    },
    {
      name: "plain tcp with a trailing slash",
      spec: () => ({ name: "h1", endpoint: "tcp://docker-1.lan:2375/", insecure: true }),
      want: (c) => assert.deepEqual(c, { kind: "tcp", host: "docker-1.lan", port: 2375, address: "docker-1.lan" }),
    },
    {
      name: "bracketed IPv6 address",
      spec: () => ({ name: "h1", endpoint: "tcp://[fd00::5]:2376", insecure: true }),
      want: (c) => assert.deepEqual(c, { kind: "tcp", host: "fd00::5", port: 2376, address: "fd00::5" }),
    },
    {
      name: "tcp with TLS: the three files are read when connecting",
      spec: () => ({ name: "h1", endpoint: "tcp://10.0.0.5:2376", tls: certs }),
      want: (c) => {
        assert.equal(c.kind, "tcp");
        assert.ok(c.kind === "tcp" && c.tls);
        assert.equal(c.tls.ca?.toString(), "ca bytes");
        assert.equal(c.tls.cert.toString(), "cert bytes");
        assert.equal(c.tls.key.toString(), "key bytes");
      },
    },
    {
      name: "TLS wins over insecure: true when both are given",
      spec: () => ({ name: "h1", endpoint: "tcp://10.0.0.5:2376", tls: certs, insecure: true }),
      want: (c) => assert.ok(c.kind === "tcp" && c.tls !== undefined),
    },
  ];
  for (const c of accepted) it(`accepts ${c.name}`, () => c.want(resolveEndpoint(c.spec())));

  const refused: { name: string; spec: () => EndpointSpec; message: RegExp }[] = [
    {
      name: "plain tcp without insecure, saying why and what to set",
      spec: () => ({ name: "h1", endpoint: "tcp://10.0.0.5:2375" }),
      message: /^host "h1": tcp:\/\/10\.0\.0\.5:2375 has no TLS.*set tls: \{ca, cert, key\} or, on a trusted network, insecure: true$/,
    },
    {
      name: "plain tcp with insecure: false",
      spec: () => ({ name: "h2", endpoint: "tcp://10.0.0.5:2375", insecure: false }),
      message: /^host "h2": tcp:\/\/10\.0\.0\.5:2375 has no TLS/,
    },
    {
      name: "a missing certificate file, naming the file and the host",
      spec: () => ({ name: "edge-7", endpoint: "tcp://10.0.0.5:2376", tls: { ...certs, key: path.join(dir, "nope.pem") } }),
      message: /^host "edge-7": cannot read TLS key file ".*nope\.pem"/,
    },
    {
      name: "an ssh:// endpoint with a path (docker -H ssh:// takes none)",
      spec: () => ({ name: "h1", endpoint: "ssh://root@10.0.0.5/var/run/docker.sock" }),
      message: /^host "h1": endpoint "ssh:\/\/root@10\.0\.0\.5\/var\/run\/docker\.sock" is not ssh:\/\/user@host\[:port\]/,
    },
    {
      name: "tcp without a port",
      spec: () => ({ name: "h1", endpoint: "tcp://10.0.0.5", insecure: true }),
      message: /is none of unix:\/\/\/path, tcp:\/\/host:port or ssh:\/\/user@host\[:port\]$/,
    },
  ];
  for (const c of refused) {
    it(`refuses ${c.name}`, () => {
      assert.throws(
        () => resolveEndpoint(c.spec()),
        (err: unknown) => {
          assert.ok(err instanceof EndpointRefusedError);
          assert.equal(err.code, "endpoint-refused");
          assert.equal(err.reaction, "stalled");
          assert.equal(err.data.host, c.spec().name);
          assert.equal(err.data.endpoint, c.spec().endpoint);
          assert.match(err.message, c.message);
          return true;
        },
      );
    });
  }

  const defaults: { name: string; env: NodeJS.ProcessEnv; want: EndpointSpec }[] = [
    { name: "no DOCKER_HOST: the local socket", env: {}, want: { name: "local", endpoint: "unix:///var/run/docker.sock", insecure: false } },
    { name: "DOCKER_HOST as a socket", env: { DOCKER_HOST: "unix:///run/user/1000/docker.sock" }, want: { name: "local", endpoint: "unix:///run/user/1000/docker.sock", insecure: false } },
    // The operator chose this endpoint for the local tools; berth follows it as `docker` does.
    { name: "DOCKER_HOST as plain tcp", env: { DOCKER_HOST: "tcp://127.0.0.1:2375" }, want: { name: "local", endpoint: "tcp://127.0.0.1:2375", insecure: true } },
    {
      name: "DOCKER_TLS_VERIFY with DOCKER_CERT_PATH: TLS from that folder",
      env: { DOCKER_HOST: "tcp://docker.example:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: "/etc/berth/certs" },
      want: { name: "local", endpoint: "tcp://docker.example:2376", tls: { ca: "/etc/berth/certs/ca.pem", cert: "/etc/berth/certs/cert.pem", key: "/etc/berth/certs/key.pem" } },
    },
    {
      name: "DOCKER_TLS_VERIFY without DOCKER_CERT_PATH: TLS from ~/.docker",
      env: { DOCKER_HOST: "tcp://docker.example:2376", DOCKER_TLS_VERIFY: "1", HOME: "/home/ops" },
      want: { name: "local", endpoint: "tcp://docker.example:2376", tls: { ca: "/home/ops/.docker/ca.pem", cert: "/home/ops/.docker/cert.pem", key: "/home/ops/.docker/key.pem" } },
    },
    // As `docker` reads it (os.Getenv != ""): "0" turns TLS on too (moby/moby#22411), so berth never talks plain to an engine the CLI reaches over TLS.
    {
      name: "DOCKER_TLS_VERIFY=0 still means TLS",
      env: { DOCKER_HOST: "tcp://docker.example:2376", DOCKER_TLS_VERIFY: "0", DOCKER_CERT_PATH: "/c" },
      want: { name: "local", endpoint: "tcp://docker.example:2376", tls: { ca: "/c/ca.pem", cert: "/c/cert.pem", key: "/c/key.pem" } },
    },
    { name: "an empty DOCKER_TLS_VERIFY is unset", env: { DOCKER_HOST: "tcp://127.0.0.1:2375", DOCKER_TLS_VERIFY: "" }, want: { name: "local", endpoint: "tcp://127.0.0.1:2375", insecure: true } },
    { name: "DOCKER_TLS_VERIFY with a socket DOCKER_HOST: no TLS", env: { DOCKER_HOST: "unix:///var/run/docker.sock", DOCKER_TLS_VERIFY: "1" }, want: { name: "local", endpoint: "unix:///var/run/docker.sock", insecure: false } },
    { name: "an empty DOCKER_HOST is unset", env: { DOCKER_HOST: "" }, want: { name: "local", endpoint: "unix:///var/run/docker.sock", insecure: false } },
  ];
  for (const c of defaults) it(`default host: ${c.name}`, () => assert.deepEqual(defaultEndpoint(c.env), c.want));
});
