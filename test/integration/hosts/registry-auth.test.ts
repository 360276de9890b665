/**
 * Pulls from a registry that requires a login, with the credentials from
 * berth's environment (BERTH_REGISTRY_SERVER, _USERNAME and _PASSWORD, or
 * BERTH_REGISTRY_CONFIG, or docker's own config.json with a credential
 * helper, run as a real program from PATH):
 * a second `docker-registry` with htpasswd auth, started by this suite next
 * to the bed's open one.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import bcrypt from "bcryptjs";
import type Docker from "dockerode";
import { DockerodeHost } from "../../../reconciler/docker/dockerode-host.ts";
import { PullError } from "../../../reconciler/docker/errors.ts";
import { startDetached, stopByPidFile, waitFor } from "../../../testbed/daemon.ts";
import { engineClient, pullImage } from "../../../testbed/engines.ts";
import type { BedLayout } from "../../../testbed/layout.ts";
import { useBed } from "../../support/bed.ts";

const USER = "deployer";
const PASSWORD = `pw-${process.pid}-${Date.now()}`;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function follow(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, events: { error?: string }[]) => {
      const failed = events?.find((e) => e.error);
      if (err || failed) reject(err ?? new Error(failed!.error));
      else resolve();
    }),
  );
}

describe("hosts: pulling from a registry that requires a login", function () {
  this.timeout(120_000);
  let bed: BedLayout;
  let dir: string;
  let addr: string;
  let image: string;

  before(async function () {
    bed = await useBed(this);
    dir = mkdtempSync(path.join(os.tmpdir(), "berth-registry-auth-"));
    addr = `127.0.0.1:${await freePort()}`;
    image = `${addr}/berth/private:v1`;
    writeFileSync(path.join(dir, "htpasswd"), `${USER}:${bcrypt.hashSync(PASSWORD, 10)}\n`);
    const config = path.join(dir, "config.yml");
    writeFileSync(
      config,
      ["version: 0.1", "log:", "  level: warn", "storage:", "  filesystem:", `    rootdirectory: ${path.join(dir, "data")}`, "http:", `  addr: ${addr}`, "auth:", "  htpasswd:", "    realm: berth-test", `    path: ${path.join(dir, "htpasswd")}`, ""].join("\n"),
    );
    startDetached({ command: "/usr/bin/docker-registry", args: ["serve", config], logFile: path.join(dir, "registry.log"), pidFile: path.join(dir, "registry.pid") });
    // Without credentials the API answers 401: up, and asking for a login.
    await waitFor(`the registry with auth at ${addr}`, async () => (await fetch(`http://${addr}/v2/`)).status === 401, 30_000);

    // Publish an image there from h1, logged in.
    const h1 = bed.hosts[0]!;
    const docker = engineClient(h1);
    await pullImage(h1, "127.0.0.1:5000/berth/app:v1");
    await docker.getImage("127.0.0.1:5000/berth/app:v1").tag({ repo: `${addr}/berth/private`, tag: "v1" });
    await follow(docker, await docker.getImage(image).push({ authconfig: { username: USER, password: PASSWORD, serveraddress: addr } }));
  });

  after(async function () {
    if (!bed) return;
    await Promise.all(bed.hosts.map((h) => engineClient(h).getImage(image).remove({ force: true }).catch(() => undefined)));
    await stopByPidFile(path.join(dir, "registry.pid"));
    rmSync(dir, { recursive: true, force: true });
  });

  const h2 = () => {
    const h = bed.hosts[1]!;
    return { engine: engineClient(h), // An empty docker config folder unless a case gives one, so the runner's own ~/.docker never takes part.
    host: (env: NodeJS.ProcessEnv) => new DockerodeHost({ name: h.name, endpoint: `unix://${h.socket}` }, { DOCKER_CONFIG: path.join(dir, "no-docker-config"), ...env }) };
  };

  it("without credentials the pull is refused, naming host and image", async function () {
    await assert.rejects(h2().host({}).pull(image), (err: unknown) => {
      assert.ok(err instanceof PullError, String(err));
      assert.match(err.message, new RegExp(`^pulling ${image.replace(/[.]/g, "\\.")} on host "h2" failed: .*(no basic auth credentials|unauthorized)`, "i"));
      return true;
    });
  });

  it("with a wrong password the pull is refused, and the password is not in the message", async function () {
    const wrong = `wrong-${PASSWORD}`;
    await assert.rejects(h2().host({ BERTH_REGISTRY_SERVER: addr, BERTH_REGISTRY_USERNAME: USER, BERTH_REGISTRY_PASSWORD: wrong }).pull(image), (err: unknown) => {
      assert.ok(err instanceof PullError, String(err));
      assert.match(err.message, /unauthorized|authentication required|incorrect username or password/i);
      assert.ok(!err.message.includes(wrong) && !JSON.stringify(err).includes(wrong), "the password stays out of the error");
      return true;
    });
  });

  it("credentials for another registry are not sent to this one", async function () {
    await assert.rejects(h2().host({ BERTH_REGISTRY_SERVER: "registry.example.com", BERTH_REGISTRY_USERNAME: USER, BERTH_REGISTRY_PASSWORD: PASSWORD }).pull(image), PullError);
  });

  it("with BERTH_REGISTRY_CONFIG (a docker config.json) naming this registry, the engine pulls it", async function () {
    const { engine, host } = h2();
    const config = path.join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ auths: { [addr]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString("base64") } } }));
    await host({ BERTH_REGISTRY_CONFIG: config }).pull(image);
    assert.ok((await engine.getImage(image).inspect()).RepoTags.includes(image));
    await engine.getImage(image).remove({ force: true });
  });

  it("with DOCKER_CONFIG whose credHelpers names a helper for this registry, berth runs it as docker does and the engine pulls it", async function () {
    const { engine, host } = h2();
    const dockerConfig = path.join(dir, "docker");
    const bin = path.join(dir, "bin");
    mkdirSync(dockerConfig, { recursive: true });
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(dockerConfig, "config.json"), JSON.stringify({ credHelpers: { [addr]: "berth-test" } }));
    // Answers only for the server it is asked about on stdin, as docker-credential-helpers do.
    const helper = path.join(bin, "docker-credential-berth-test");
    writeFileSync(
      helper,
      `#!/bin/sh\n[ "$1" = get ] || exit 2\n[ "$(cat)" = "${addr}" ] || { echo "credentials not found in native keychain"; exit 1; }\nprintf '{"ServerURL":"${addr}","Username":"${USER}","Secret":"${PASSWORD}"}'\n`,
    );
    chmodSync(helper, 0o755);
    await host({ DOCKER_CONFIG: dockerConfig, PATH: `${bin}:${process.env.PATH}` }).pull(image);
    assert.ok((await engine.getImage(image).inspect()).RepoTags.includes(image));
    await engine.getImage(image).remove({ force: true });
  });

  it("with BERTH_REGISTRY_SERVER, _USERNAME and _PASSWORD for it, the engine pulls it", async function () {
    const { engine, host } = h2();
    await host({ BERTH_REGISTRY_SERVER: addr, BERTH_REGISTRY_USERNAME: USER, BERTH_REGISTRY_PASSWORD: PASSWORD }).pull(image);
    const info = await engine.getImage(image).inspect();
    assert.ok(info.RepoTags.includes(image));
  });
});
