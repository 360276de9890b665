/**
 * `ssh://user@host[:port]` endpoints: taken apart as `docker -H ssh://`
 * takes them, keyed with the operator's settings (never the repository's),
 * and refused with the fix when there is no key or the key file is
 * unreadable. The error never quotes the key.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseSshEndpoint, resolveEndpoint } from "../../../reconciler/docker/endpoint.ts";
import { DockerodeHost } from "../../../reconciler/docker/dockerode-host.ts";
import { EndpointRefusedError } from "../../../reconciler/docker/errors.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "berth-ssh-endpoint-"));
const keyFile = path.join(dir, "id_ed25519");
const KEY_TEXT = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key-but-secret\n-----END OPENSSH PRIVATE KEY-----\n";
writeFileSync(keyFile, KEY_TEXT, { mode: 0o600 });
const emptyHome = mkdtempSync(path.join(os.tmpdir(), "berth-ssh-home-"));

describe("ssh endpoints", function () {
  const parses: { endpoint: string; want: ReturnType<typeof parseSshEndpoint> }[] = [
    { endpoint: "ssh://berth@127.0.0.1:2222", want: { username: "berth", host: "127.0.0.1", port: 2222 } },
    { endpoint: "ssh://deploy@web1.example.com", want: { username: "deploy", host: "web1.example.com", port: 22 } },
    { endpoint: "ssh://web1.example.com/", want: { host: "web1.example.com", port: 22 } },
    { endpoint: "ssh://root@[::1]:22", want: { username: "root", host: "::1", port: 22 } },
    { endpoint: "ssh://berth@127.0.0.1:0", want: undefined },
    { endpoint: "ssh://berth@127.0.0.1:70000", want: undefined },
    { endpoint: "ssh://berth@127.0.0.1:2222/var/run/docker.sock", want: undefined },
    { endpoint: "ssh://a@b@host", want: undefined },
    { endpoint: "git@github.com:org/fleet.git", want: undefined },
  ];
  for (const c of parses) {
    it(`parses ${c.endpoint}`, function () {
      assert.deepEqual(parseSshEndpoint(c.endpoint), c.want);
    });
  }

  it("uses the operator's key file and known_hosts, and the ssh host for published ports", function () {
    const conn = resolveEndpoint({ name: "h2", endpoint: "ssh://berth@127.0.0.1:2222" }, { ssh: { identityFile: keyFile, knownHosts: "/etc/berth/known_hosts" }, env: { HOME: emptyHome } });
    assert.equal(conn.kind, "ssh");
    if (conn.kind !== "ssh") return;
    assert.deepEqual(
      { host: conn.host, port: conn.port, username: conn.username, knownHosts: conn.knownHosts, address: conn.address, agent: conn.agent, key: conn.privateKey?.toString() },
      { host: "127.0.0.1", port: 2222, username: "berth", knownHosts: "/etc/berth/known_hosts", address: "127.0.0.1", agent: undefined, key: KEY_TEXT },
    );
  });

  it("published ports are reached at the ssh host unless the Host's address says otherwise", function () {
    const ssh = { identityFile: keyFile };
    assert.equal(new DockerodeHost({ name: "web", endpoint: "ssh://deploy@web1.example.com:2222" }, { HOME: emptyHome }, { ssh }).address, "web1.example.com");
    assert.equal(new DockerodeHost({ name: "web", endpoint: "ssh://deploy@web1.example.com", address: "10.0.0.9" }, { HOME: emptyHome }, { ssh }).address, "10.0.0.9");
  });

  it("defaults to SSH_AUTH_SOCK, ~/.ssh/known_hosts and the login name", function () {
    const conn = resolveEndpoint({ name: "web", endpoint: "ssh://web1.example.com" }, { env: { HOME: "/home/op", USER: "op", SSH_AUTH_SOCK: "/run/agent.sock" } });
    assert.ok(conn.kind === "ssh");
    assert.deepEqual({ agent: conn.agent, knownHosts: conn.knownHosts, username: conn.username, key: conn.privateKey }, { agent: "/run/agent.sock", knownHosts: "/home/op/.ssh/known_hosts", username: "op", key: undefined });
  });

  it("without an agent, takes the first key of ~/.ssh as ssh does", function () {
    const home = mkdtempSync(path.join(os.tmpdir(), "berth-ssh-home-"));
    const sshDir = path.join(home, ".ssh");
    mkdirSync(sshDir);
    writeFileSync(path.join(sshDir, "id_rsa"), "rsa-key");
    writeFileSync(path.join(sshDir, "id_ecdsa"), "ecdsa-key");
    const conn = resolveEndpoint({ name: "web", endpoint: "ssh://u@web1" }, { env: { HOME: home } });
    assert.ok(conn.kind === "ssh");
    assert.equal(conn.privateKey?.toString(), "ecdsa-key");
  });

  it("refuses with the fix when there is no key at all", function () {
    assert.throws(
      () => resolveEndpoint({ name: "web", endpoint: "ssh://u@web1" }, { env: { HOME: emptyHome } }),
      (err: unknown) => err instanceof EndpointRefusedError && /no SSH key to reach ssh:\/\/u@web1: set ssh\.identityFile or ssh\.agent in the operator config/.test(err.message),
    );
  });

  it("refuses an unreadable key file by its path, not its content", function () {
    assert.throws(
      () => resolveEndpoint({ name: "web", endpoint: "ssh://u@web1" }, { ssh: { identityFile: path.join(dir, "missing") }, env: { HOME: emptyHome } }),
      (err: unknown) => err instanceof EndpointRefusedError && err.message === `host "web": cannot read the SSH key file "${path.join(dir, "missing")}" (ssh.identityFile): ENOENT`,
    );
  });

  it("refuses a malformed ssh endpoint, saying the form", function () {
    assert.throws(
      () => resolveEndpoint({ name: "web", endpoint: "ssh://u@web1:99999" }, { ssh: { identityFile: keyFile } }),
      (err: unknown) => err instanceof EndpointRefusedError && err.message.includes("is not ssh://user@host[:port]") && !err.message.includes("secret"),
    );
  });
});
