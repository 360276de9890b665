/**
 * The default host chosen as the docker CLI chooses it (DOCKER_HOST, then
 * DOCKER_CONTEXT, then config.json's currentContext), over fixture files in
 * the layout `docker context create` writes (checked against docker 28.2:
 * contexts/meta/<sha256(name)>/meta.json and contexts/tls/<same>/docker/*.pem).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defaultOperatorConfig } from "../../../reconciler/config/defaults.ts";
import { contextId } from "../../../reconciler/docker/docker-context.ts";
import { defaultEndpoint, type EndpointSpec } from "../../../reconciler/docker/endpoint.ts";
import { EndpointRefusedError } from "../../../reconciler/docker/errors.ts";
import { connectHosts } from "../../../reconciler/pipeline/connect-hosts.ts";
import type { HostSpec } from "../../../reconciler/model/fleet.ts";

const CFG = "/home/ops/.docker";
const meta = (name: string, host: string, skip = false) => ({
  [`${CFG}/contexts/meta/${contextId(name)}/meta.json`]: JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: skip } } }),
});
const tls = (name: string, files: string[]) => Object.fromEntries(files.map((f) => [`${CFG}/contexts/tls/${contextId(name)}/docker/${f}`, "-----BEGIN-----"]));
const tlsPath = (name: string, f: string) => `${CFG}/contexts/tls/${contextId(name)}/docker/${f}`;

const files: Record<string, string> = {
  ...meta("remote", "tcp://10.0.0.1:2376"),
  ...tls("remote", ["ca.pem", "cert.pem", "key.pem"]),
  ...meta("no-ca", "tcp://10.0.0.4:2376"),
  ...tls("no-ca", ["cert.pem", "key.pem"]),
  ...meta("plain", "tcp://127.0.0.1:2375"),
  ...meta("rootless", "unix:///run/user/1000/docker.sock"),
  ...meta("over-ssh", "ssh://deploy@build.example:2222"),
  ...meta("skip", "tcp://10.0.0.2:2376", true),
  ...meta("ca-only", "tcp://10.0.0.3:2376"),
  ...tls("ca-only", ["ca.pem"]),
  [`${CFG}/contexts/meta/${contextId("broken")}/meta.json`]: "{not json",
  [`${CFG}/contexts/meta/${contextId("no-docker")}/meta.json`]: JSON.stringify({ Name: "no-docker", Endpoints: {} }),
  [`${CFG}/config.json`]: JSON.stringify({ auths: {}, currentContext: "rootless" }),
  "/etc/berth/docker/config.json": JSON.stringify({ currentContext: "remote" }),
  "/etc/berth/docker-default/config.json": JSON.stringify({ currentContext: "default" }),
  "/etc/berth/docker-gone/config.json": JSON.stringify({ currentContext: "gone" }),
  "/etc/berth/docker-bad/config.json": '{"currentContext": "x", "auths": {"r": {"auth": "c2VjcmV0"}}',
};
const read = (f: string) => files[f];
const HOME = "/home/ops";

describe("docker: the default host from docker contexts", () => {
  it("a context's folder is the sha256 of its name, as docker names it", () => {
    // `printf remote | sha256sum`
    assert.equal(contextId("remote"), "b71199ebd070b36beab7317920c2c2f1d777df8d05e5527d8458fda57cb17a7a");
  });

  const cases: { name: string; env: NodeJS.ProcessEnv; want: EndpointSpec }[] = [
    { name: "DOCKER_HOST beats DOCKER_CONTEXT and currentContext", env: { HOME, DOCKER_HOST: "unix:///var/run/other.sock", DOCKER_CONTEXT: "remote" }, want: { name: "local", endpoint: "unix:///var/run/other.sock", insecure: false } },
    { name: "currentContext in ~/.docker/config.json", env: { HOME }, want: { name: "local", endpoint: "unix:///run/user/1000/docker.sock", insecure: false } },
    {
      name: "DOCKER_CONTEXT beats currentContext; its TLS files are used",
      env: { HOME, DOCKER_CONTEXT: "remote" },
      want: { name: "local", endpoint: "tcp://10.0.0.1:2376", tls: { ca: tlsPath("remote", "ca.pem"), cert: tlsPath("remote", "cert.pem"), key: tlsPath("remote", "key.pem") } },
    },
    { name: "a client certificate without ca.pem: TLS with the system's CAs", env: { HOME, DOCKER_CONTEXT: "no-ca" }, want: { name: "local", endpoint: "tcp://10.0.0.4:2376", tls: { cert: tlsPath("no-ca", "cert.pem"), key: tlsPath("no-ca", "key.pem") } } },
    // Same rule as a tcp:// DOCKER_HOST without DOCKER_TLS_VERIFY: the operator chose it, `docker` talks plain to it too.
    { name: "a tcp context without TLS files is plain", env: { HOME, DOCKER_CONTEXT: "plain" }, want: { name: "local", endpoint: "tcp://127.0.0.1:2375", insecure: true } },
    { name: "an ssh context is passed on as its endpoint", env: { HOME, DOCKER_CONTEXT: "over-ssh" }, want: { name: "local", endpoint: "ssh://deploy@build.example:2222", insecure: false } },
    { name: "DOCKER_CONTEXT=default is the local socket", env: { HOME, DOCKER_CONTEXT: "default" }, want: { name: "local", endpoint: "unix:///var/run/docker.sock", insecure: false } },
    { name: "currentContext default is the local socket", env: { HOME, DOCKER_CONFIG: "/etc/berth/docker-default" }, want: { name: "local", endpoint: "unix:///var/run/docker.sock", insecure: false } },
    { name: "no config.json: the local socket", env: { HOME: "/home/nobody" }, want: { name: "local", endpoint: "unix:///var/run/docker.sock", insecure: false } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(defaultEndpoint(c.env, read), c.want));

  const refusals: { name: string; env: NodeJS.ProcessEnv; message: RegExp }[] = [
    {
      name: "an unknown DOCKER_CONTEXT names the context, where berth looked and `docker context ls`",
      env: { HOME, DOCKER_CONTEXT: "staging" },
      message: new RegExp(`^host "local": docker context "staging" \\(from DOCKER_CONTEXT\\) is not defined: berth looked for ${CFG}/contexts/meta/${contextId("staging")}/meta\\.json; run \`docker context ls\` to see the contexts, or unset DOCKER_CONTEXT$`),
    },
    {
      name: "an unknown currentContext says which config.json named it",
      env: { HOME, DOCKER_CONFIG: "/etc/berth/docker-gone" },
      message: /^host "local": docker context "gone" \(from currentContext in \/etc\/berth\/docker-gone\/config\.json\) is not defined: berth looked for \/etc\/berth\/docker-gone\/contexts\/meta\/[0-9a-f]{64}\/meta\.json; run `docker context ls`.*`docker context use default`$/,
    },
    { name: "contexts live under DOCKER_CONFIG", env: { HOME, DOCKER_CONFIG: "/etc/berth/docker" }, message: /docker context "remote" .* berth looked for \/etc\/berth\/docker\/contexts\/meta\// },
    { name: "SkipTLSVerify is refused: berth verifies engines", env: { HOME, DOCKER_CONTEXT: "skip" }, message: /docker context "skip" \(from DOCKER_CONTEXT\) skips TLS verification of tcp:\/\/10\.0\.0\.2:2376, which berth does not do: give the context the engine's CA/ },
    { name: "a CA without a client certificate is refused with the fix", env: { HOME, DOCKER_CONTEXT: "ca-only" }, message: /has TLS files in .* but not both cert\.pem and key\.pem.*docker context update ca-only/ },
    { name: "a meta.json that is not JSON", env: { HOME, DOCKER_CONTEXT: "broken" }, message: /docker context "broken" \(from DOCKER_CONTEXT\) cannot be read: .*meta\.json is not valid JSON$/ },
    { name: "a context without a docker endpoint", env: { HOME, DOCKER_CONTEXT: "no-docker" }, message: /has no docker endpoint \(Endpoints\.docker\.Host in / },
    { name: "a broken config.json is named, its content never quoted", env: { HOME, DOCKER_CONFIG: "/etc/berth/docker-bad" }, message: /^host "local": docker's config \/etc\/berth\/docker-bad\/config\.json: it is not valid JSON$/ },
  ];
  for (const c of refusals) {
    it(c.name, () =>
      assert.throws(
        () => defaultEndpoint(c.env, read),
        (err: unknown) => {
          assert.ok(err instanceof EndpointRefusedError, String(err));
          assert.equal(err.reaction, "stalled");
          assert.match(err.message, c.message);
          assert.ok(!err.message.includes("c2VjcmV0"));
          return true;
        },
      ),
    );
  }

  // Real files: a DOCKER_CONFIG folder that does not exist has no contexts.
  const nowhere = { HOME: "/nonexistent", DOCKER_CONFIG: "/nonexistent/docker", DOCKER_CONTEXT: "staging" };
  it("an unknown context with no Host in git: the default host is refused with the message, not thrown", () => {
    const connected = connectHosts([], nowhere);
    assert.equal(connected.hosts.size, 0);
    assert.match(connected.refused.get("local") ?? "", /^host "local": docker context "staging" \(from DOCKER_CONTEXT\) is not defined: berth looked for \/nonexistent\/docker\/contexts\/meta\//);
  });
  it("an unknown context does not matter when the repository declares its hosts", () => {
    const h1: HostSpec = { name: "h1", endpoint: "unix:///run/h1.sock", insecure: false, labels: {}, drain: false, source: { file: "hosts.yaml", line: 1 } };
    const connected = connectHosts([h1], nowhere);
    assert.deepEqual([...connected.hosts.keys()], ["h1"]);
    assert.equal(connected.refused.size, 0);
  });

  it("a plain-TCP context off loopback is refused as a plain DOCKER_HOST is, with the context's fix", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "berth-context-"));
    try {
      const metaDir = path.join(dir, "contexts", "meta", contextId("far"));
      mkdirSync(metaDir, { recursive: true });
      writeFileSync(path.join(metaDir, "meta.json"), JSON.stringify({ Name: "far", Endpoints: { docker: { Host: "tcp://203.0.113.5:2375", SkipTLSVerify: false } } }));
      const far = connectHosts([], { HOME: dir, DOCKER_CONFIG: dir, DOCKER_CONTEXT: "far" }, [], defaultOperatorConfig(os.tmpdir()));
      assert.equal(far.hosts.size, 0);
      assert.match(far.refused.get("local") ?? "", /^the docker context's endpoint tcp:\/\/203\.0\.113\.5:2375 is plain TCP to 203\.0\.113\.5, .*: give the docker context TLS files \(`docker context update --docker host=…,ca=…,cert=…,key=…`\), or the operator can allow the address in engines\.plainTcp$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
