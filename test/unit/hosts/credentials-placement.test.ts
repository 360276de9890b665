/**
 * Credentials go only where they belong (issue 12). Each case guards a
 * hole reproduced before: registry credentials went in X-Registry-Auth to
 * any engine, plain TCP included (whoever is on the path reads them); the
 * git token went over plain http to any host; a plain-TCP DOCKER_HOST off
 * loopback was used as it was.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { DockerodeHost } from "../../../reconciler/docker/dockerode-host.ts";
import { connectHosts } from "../../../reconciler/pipeline/connect-hosts.ts";
import { credentialsMayGo } from "../../../reconciler/source/credentials.ts";
import { PlainHttpCredentialsError } from "../../../reconciler/source/errors.ts";
import { RemoteGitSource } from "../../../reconciler/source/remote-source.ts";
import { defaultOperatorConfig } from "../../../reconciler/config/defaults.ts";

const REGISTRY_ENV = { BERTH_REGISTRY_SERVER: "registry.example.com", BERTH_REGISTRY_USERNAME: "ops", BERTH_REGISTRY_PASSWORD: "registry-password-for-tests" };

/** A fake engine that refuses image inspection (so berth pulls) and records the pull's X-Registry-Auth header. */
function fakeEngine(): { server: http.Server; auths: (string | undefined)[] } {
  const auths: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    if (/\/images\/.+\/json/.test(req.url ?? "")) {
      res.statusCode = 404;
      return res.end(JSON.stringify({ message: "no such image" }));
    }
    if (req.url?.includes("/images/create")) {
      auths.push(req.headers["x-registry-auth"] as string | undefined);
      res.setHeader("content-type", "application/json");
      return res.end(JSON.stringify({ status: "pulled" }) + "\n");
    }
    res.statusCode = 404;
    res.end("{}");
  });
  return { server, auths };
}

describe("credentials: only where they belong", function () {
  it("registry credentials are never sent to an engine reached over plain TCP", async function () {
    const { server, auths } = fakeEngine();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as AddressInfo).port;
      const host = new DockerodeHost({ name: "plain", endpoint: `tcp://127.0.0.1:${port}`, insecure: true }, REGISTRY_ENV);
      await host.pull("registry.example.com/app:v1");
      assert.equal(auths.length, 1, "the pull reached the engine");
      assert.ok(!auths[0] || !Buffer.from(auths[0], "base64").toString("utf8").includes("registry-password-for-tests"), "no password in X-Registry-Auth");
    } finally {
      server.close();
    }
  });

  it("over a unix socket they are sent, and only to a registry the operator lists", async function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), "berth-creds-"));
    const socket = path.join(dir, "docker.sock");
    const { server, auths } = fakeEngine();
    await new Promise<void>((r) => server.listen(socket, r));
    try {
      await new DockerodeHost({ name: "local", endpoint: `unix://${socket}` }, REGISTRY_ENV).pull("registry.example.com/app:v1");
      await new DockerodeHost({ name: "local", endpoint: `unix://${socket}` }, REGISTRY_ENV, { credentialRegistries: ["other.example.com"] }).pull("registry.example.com/app:v1");
      const decoded = auths.map((a) => (a ? Buffer.from(a, "base64").toString("utf8") : ""));
      assert.match(decoded[0]!, /registry-password-for-tests/, "sent over the socket");
      assert.doesNotMatch(decoded[1]!, /registry-password-for-tests/, "not sent to a registry outside credentials.registries");
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const urls: [string, boolean][] = [
    ["https://git.example.com/fleet.git", true],
    ["http://127.0.0.1:8470/fleet.git", true],
    ["http://localhost/fleet.git", true],
    ["http://[::1]:8470/fleet.git", true],
    ["http://git.example.com/fleet.git", false],
    ["http://10.0.0.5/fleet.git", false],
  ];
  for (const [url, ok] of urls) it(`the git token ${ok ? "may" : "may not"} go to ${url}`, () => assert.equal(credentialsMayGo(url), ok));

  it("a remote over plain http off loopback is refused before any request, naming the fix", async function () {
    const source = new RemoteGitSource({ url: "http://git.invalid/fleet.git", cacheDir: os.tmpdir(), env: { BERTH_GIT_TOKEN: "token-for-tests" } });
    await assert.rejects(source.resolve(), (err: unknown) => {
      assert.ok(err instanceof PlainHttpCredentialsError);
      assert.match(err.message, /over plain http:\/\/; use its https:\/\/ URL/);
      assert.ok(!err.message.includes("token-for-tests"));
      return true;
    });
  });

  it("a plain-TCP DOCKER_HOST off loopback is refused with the fix; on loopback it is used", function () {
    const operator = defaultOperatorConfig(os.tmpdir());
    const far = connectHosts([], { DOCKER_HOST: "tcp://203.0.113.5:2375" }, [], operator);
    assert.equal(far.hosts.size, 0);
    assert.match(far.refused.get("local") ?? "", /DOCKER_HOST tcp:\/\/203\.0\.113\.5:2375 is plain TCP to 203\.0\.113\.5.*set DOCKER_TLS_VERIFY=1 with DOCKER_CERT_PATH, or the operator can allow the address in engines\.plainTcp/);
    const near = connectHosts([], { DOCKER_HOST: "tcp://127.0.0.1:2375" }, [], operator);
    assert.equal(near.hosts.size, 1);
  });
});
