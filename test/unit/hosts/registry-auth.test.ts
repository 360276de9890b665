import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CredentialHelperError } from "../../../reconciler/docker/credential-helper.ts";
import { registryAuth, registryOf } from "../../../reconciler/docker/registry-auth.ts";
import { SECRET, writeHelpers } from "../../support/credential-helpers.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");
/** No docker config.json anywhere: the test never reads the real home's. */
const noFiles = () => undefined;

describe("hosts: registry credentials for a pull", () => {
  const registries: [string, string][] = [
    ["nginx", "docker.io"],
    ["library/nginx:1.27", "docker.io"],
    ["team/app:v1", "docker.io"],
    ["registry.example.com/team/app:v1", "registry.example.com"],
    ["127.0.0.1:5000/berth/app:v1", "127.0.0.1:5000"],
    ["localhost/app", "localhost"],
    ["ghcr.io/org/app@sha256:abc", "ghcr.io"],
  ];
  for (const [image, registry] of registries) it(`${image} is pulled from ${registry}`, () => assert.equal(registryOf(image), registry));

  const single = { BERTH_REGISTRY_SERVER: "registry.example.com", BERTH_REGISTRY_USERNAME: "u", BERTH_REGISTRY_PASSWORD: "p" };
  it("BERTH_REGISTRY_SERVER's credentials go to that registry only", async () => {
    assert.deepEqual(await registryAuth("registry.example.com/team/app:v1", single, noFiles), { username: "u", password: "p", serveraddress: "registry.example.com" });
    assert.deepEqual(await registryAuth("nginx", single, noFiles), {});
    assert.deepEqual(await registryAuth("ghcr.io/org/app", single, noFiles), {});
  });

  it("without BERTH_REGISTRY_SERVER a username and password go nowhere", async () => {
    assert.deepEqual(await registryAuth("registry.example.com/app", { BERTH_REGISTRY_USERNAME: "u", BERTH_REGISTRY_PASSWORD: "p" }, noFiles), {});
  });

  const config = JSON.stringify({
    auths: {
      "ghcr.io": { auth: b64("bot:tok:with:colons") },
      "https://index.docker.io/v1/": { auth: b64("hubuser:hubpass") },
      "127.0.0.1:5001": { username: "deployer", password: "pw" },
    },
  });
  const read = (file: string) => {
    if (file === "/etc/berth/config.json") return config;
    if (file === "/etc/berth/broken.json") return '{"auths": {"ghcr.io": {"auth": "c2VjcmV0LXZhbHVl"}}';
    return undefined;
  };
  const cfg = { BERTH_REGISTRY_CONFIG: "/etc/berth/config.json" };

  it("BERTH_REGISTRY_CONFIG (docker's config.json) gives each registry its own credentials", async () => {
    assert.deepEqual(await registryAuth("ghcr.io/org/app", cfg, read), { username: "bot", password: "tok:with:colons", serveraddress: "ghcr.io" });
    assert.deepEqual(await registryAuth("nginx", cfg, read), { username: "hubuser", password: "hubpass", serveraddress: "docker.io" });
    assert.deepEqual(await registryAuth("127.0.0.1:5001/berth/private:v1", cfg, read), { username: "deployer", password: "pw", serveraddress: "127.0.0.1:5001" });
    assert.deepEqual(await registryAuth("quay.io/org/app", cfg, read), {});
  });

  it("a config file that cannot be read or parsed is named, and its content never quoted", async () => {
    await assert.rejects(registryAuth("ghcr.io/x", { BERTH_REGISTRY_CONFIG: "/etc/berth/broken.json" }, read), (err: Error) => {
      assert.equal(err.message, "BERTH_REGISTRY_CONFIG /etc/berth/broken.json: it is not valid JSON");
      return true;
    });
    await assert.rejects(registryAuth("ghcr.io/x", { BERTH_REGISTRY_CONFIG: "/nope.json" }, read), /^Error: BERTH_REGISTRY_CONFIG \/nope\.json: there is no such file$/);
    const eacces = () => {
      throw Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
    };
    await assert.rejects(registryAuth("ghcr.io/x", { BERTH_REGISTRY_CONFIG: "/root/c.json" }, eacces), /^Error: BERTH_REGISTRY_CONFIG \/root\/c\.json: it cannot be read \(EACCES\)$/);
  });

  describe("docker's own config.json, as `docker pull` reads it", () => {
    let dir: string;
    let base: NodeJS.ProcessEnv;
    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), "berth-docker-config-"));
      writeHelpers(dir);
      base = { PATH: `${dir}:${process.env.PATH}`, HOME: "/home/ops" };
    });
    after(() => rmSync(dir, { recursive: true, force: true }));
    const files: Record<string, string> = {
      "/home/ops/.docker/config.json": JSON.stringify({ auths: { "ghcr.io": { auth: b64("home:homepw") } } }),
      "/cfg/helpers/config.json": JSON.stringify({
        auths: { "ghcr.io": { auth: b64("file:filepw") }, "quay.io": { auth: b64("q:qpw") }, "127.0.0.1:5001": { auth: b64("a:apw") } },
        credHelpers: { "ghcr.io": "fake", "quay.io": "fake", "https://index.docker.io/v1/": "fake", "registry.example.com": "token" },
        credsStore: "store",
      }),
      "/cfg/store/config.json": JSON.stringify({ auths: { "ghcr.io": { auth: b64("file:filepw") } }, credsStore: "store" }),
      "/cfg/broken-helper/config.json": JSON.stringify({ credHelpers: { "ghcr.io": "broken" } }),
      "/cfg/bad/config.json": '{"auths": {"ghcr.io": {"auth": "c2VjcmV0LXZhbHVl"}}',
    };
    const readDocker = (f: string) => files[f];
    const env = (more: NodeJS.ProcessEnv) => ({ ...base, ...more });

    it("~/.docker/config.json's auths, when DOCKER_CONFIG is unset", async () => {
      assert.deepEqual(await registryAuth("ghcr.io/org/app", env({}), readDocker), { username: "home", password: "homepw", serveraddress: "ghcr.io" });
      assert.deepEqual(await registryAuth("quay.io/org/app", env({}), readDocker), {});
    });

    it("a credHelpers entry for the registry beats credsStore and auths", async () => {
      assert.deepEqual(await registryAuth("ghcr.io/org/app", env({ DOCKER_CONFIG: "/cfg/helpers" }), readDocker), { username: "bot", password: SECRET, serveraddress: "ghcr.io" });
    });

    it("Docker Hub's helper is asked for https://index.docker.io/v1/, as docker asks", async () => {
      assert.deepEqual(await registryAuth("nginx", env({ DOCKER_CONFIG: "/cfg/helpers" }), readDocker), { username: "hub", password: SECRET, serveraddress: "docker.io" });
      assert.equal(readFileSync(path.join(dir, "asked"), "utf8"), "https://index.docker.io/v1/");
    });

    it("the registry's helper having nothing means no credentials: neither credsStore nor auths is asked instead", async () => {
      assert.deepEqual(await registryAuth("quay.io/org/app", env({ DOCKER_CONFIG: "/cfg/helpers" }), readDocker), {});
    });

    it("a helper's identity token goes to dockerode as identitytoken", async () => {
      assert.deepEqual(await registryAuth("registry.example.com/app", env({ DOCKER_CONFIG: "/cfg/helpers" }), readDocker), { identitytoken: SECRET, serveraddress: "registry.example.com" });
    });

    it("credsStore answers for every registry without its own helper, over auths", async () => {
      const want = { username: "from-store", password: SECRET };
      assert.deepEqual(await registryAuth("127.0.0.1:5001/app", env({ DOCKER_CONFIG: "/cfg/helpers" }), readDocker), { ...want, serveraddress: "127.0.0.1:5001" });
      assert.deepEqual(await registryAuth("ghcr.io/org/app", env({ DOCKER_CONFIG: "/cfg/store" }), readDocker), { ...want, serveraddress: "ghcr.io" });
    });

    it("BERTH_REGISTRY_SERVER beats every config; BERTH_REGISTRY_CONFIG replaces docker's (no helper runs)", async () => {
      const single = { BERTH_REGISTRY_SERVER: "ghcr.io", BERTH_REGISTRY_USERNAME: "u", BERTH_REGISTRY_PASSWORD: "p" };
      assert.deepEqual(await registryAuth("ghcr.io/org/app", env({ DOCKER_CONFIG: "/cfg/helpers", ...single }), readDocker), { username: "u", password: "p", serveraddress: "ghcr.io" });
      const both = env({ DOCKER_CONFIG: "/cfg/helpers", BERTH_REGISTRY_CONFIG: "/etc/berth/config.json" });
      const read2 = (f: string) => (f === "/etc/berth/config.json" ? config : readDocker(f));
      assert.deepEqual(await registryAuth("ghcr.io/org/app", both, read2), { username: "bot", password: "tok:with:colons", serveraddress: "ghcr.io" });
      // quay.io is in docker's credHelpers, not in BERTH_REGISTRY_CONFIG: nothing, rather than the login of whoever runs berth.
      assert.deepEqual(await registryAuth("quay.io/org/app", both, read2), {});
    });

    it("a failing helper is an error naming helper, registry and config, never what it printed", async () => {
      await assert.rejects(registryAuth("ghcr.io/org/app", env({ DOCKER_CONFIG: "/cfg/broken-helper" }), readDocker), (err: unknown) => {
        assert.ok(err instanceof CredentialHelperError, String(err));
        assert.match(err.message, /^credential helper docker-credential-broken \(credHelpers\["ghcr\.io"\] in \/cfg\/broken-helper\/config\.json\) for registry ghcr\.io: it exited with status 3/);
        assert.ok(!JSON.stringify({ m: err.message, d: err.data }).includes(SECRET));
        return true;
      });
    });

    it("a broken docker config.json is named, its content never quoted", async () => {
      await assert.rejects(registryAuth("ghcr.io/org/app", env({ DOCKER_CONFIG: "/cfg/bad" }), readDocker), /^Error: docker's config \/cfg\/bad\/config\.json: it is not valid JSON$/);
    });
  });
});
