import assert from "node:assert/strict";
import { registryAuth, registryOf } from "../../../reconciler/docker/registry-auth.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");

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
  it("BERTH_REGISTRY_SERVER's credentials go to that registry only", () => {
    assert.deepEqual(registryAuth("registry.example.com/team/app:v1", single), { username: "u", password: "p", serveraddress: "registry.example.com" });
    assert.deepEqual(registryAuth("nginx", single), {});
    assert.deepEqual(registryAuth("ghcr.io/org/app", single), {});
  });

  it("without BERTH_REGISTRY_SERVER a username and password go nowhere", () => {
    assert.deepEqual(registryAuth("registry.example.com/app", { BERTH_REGISTRY_USERNAME: "u", BERTH_REGISTRY_PASSWORD: "p" }), {});
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
    throw Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT" });
  };
  const cfg = { BERTH_REGISTRY_CONFIG: "/etc/berth/config.json" };

  it("BERTH_REGISTRY_CONFIG (docker's config.json) gives each registry its own credentials", () => {
    assert.deepEqual(registryAuth("ghcr.io/org/app", cfg, read), { username: "bot", password: "tok:with:colons", serveraddress: "ghcr.io" });
    assert.deepEqual(registryAuth("nginx", cfg, read), { username: "hubuser", password: "hubpass", serveraddress: "docker.io" });
    assert.deepEqual(registryAuth("127.0.0.1:5001/berth/private:v1", cfg, read), { username: "deployer", password: "pw", serveraddress: "127.0.0.1:5001" });
    assert.deepEqual(registryAuth("quay.io/org/app", cfg, read), {});
  });

  it("a config file that cannot be read or parsed is named, and its content never quoted", () => {
    assert.throws(() => registryAuth("ghcr.io/x", { BERTH_REGISTRY_CONFIG: "/etc/berth/broken.json" }, read), (err: Error) => {
      assert.equal(err.message, "BERTH_REGISTRY_CONFIG /etc/berth/broken.json: it is not valid JSON");
      return true;
    });
    assert.throws(() => registryAuth("ghcr.io/x", { BERTH_REGISTRY_CONFIG: "/nope.json" }, read), /^Error: BERTH_REGISTRY_CONFIG \/nope\.json: it cannot be read \(ENOENT\)$/);
  });
});
