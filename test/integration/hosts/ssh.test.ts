/**
 * An `ssh://` engine on the bed: sshd on 127.0.0.1:2222 lets the bed's key
 * log in as `berth`, forced to `docker system dial-stdio` on engine h2's
 * socket (testbed/ssh.ts). Through it berth observes, launches and removes
 * a pod that lands on h2; `berth plan` reads the engine through it with the
 * operator config's ssh section; and with a known_hosts file that does not
 * hold the server's key, every call is refused with the key's SHA256
 * fingerprint (as `ssh-keygen -l` prints it) and nothing is written: not to
 * known_hosts, not to the engine.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { DockerodeHost } from "../../../reconciler/docker/dockerode-host.ts";
import { EndpointRefusedError, HostUnreachableError } from "../../../reconciler/docker/errors.ts";
import { engineClient } from "../../../testbed/engines.ts";
import { repoRoot, type BedLayout } from "../../../testbed/layout.ts";
import { isAlive, readPid } from "../../../testbed/daemon.ts";
import { pingSshd, sshFiles, startSshd, stopSshd } from "../../../testbed/ssh.ts";
import { removeOwnerContainers, useBed } from "../../support/bed.ts";
import { podId, podLaunch, pullBedImages } from "./bed-pods.ts";

function berth(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", path.join(repoRoot, "reconciler/cli/main.ts"), ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: "1", ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("hosts: an engine over SSH (ssh://berth@127.0.0.1:2222 on the bed)", function () {
  this.timeout(120_000);
  const owner = `test-ssh-${podId()}`;
  let bed: BedLayout;
  let h2: Docker;
  let tmp: string;
  /** What `ssh-keygen -l` says of the bed sshd's host key. */
  let fingerprint: string;

  const sshHost = (knownHosts: string) => new DockerodeHost({ name: "h2-ssh", endpoint: bed.ssh.endpoint }, { HOME: tmp }, { ssh: { identityFile: bed.ssh.identityFile, knownHosts } });
  const ownersOnH2 = async () => (await h2.listContainers({ all: true, filters: { label: [`berth.owner=${owner}`] } })).map((c) => c.Id);

  before(async function () {
    bed = await useBed(this);
    h2 = engineClient(bed.ssh.host);
    tmp = mkdtempSync(path.join(os.tmpdir(), "berth-ssh-"));
    fingerprint = execFileSync("ssh-keygen", ["-lf", `${sshFiles(bed.ssh.dir).hostKey}.pub`], { encoding: "utf8" }).split(" ")[1]!;
    assert.match(fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  after(async function () {
    if (bed) await removeOwnerContainers(bed, owner);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("observes, launches and removes a pod on h2 through SSH; the Host's address defaults to the ssh host", async function () {
    const host = sshHost(bed.ssh.knownHosts);
    assert.equal(host.address, "127.0.0.1");
    await pullBedImages(host);
    assert.deepEqual(await host.observe(owner), []);
    const launch = podLaunch(owner, { group: "web", slot: 0, hostIp: bed.ssh.host.ip });
    const { containers } = await host.launchPod(launch);
    // The pod is on h2, as its own socket says.
    assert.deepEqual(await ownersOnH2(), [containers[0]!.id]);
    const seen = await host.observe(owner);
    assert.deepEqual(seen.map((c) => [c.host, c.pod, c.state]), [["h2-ssh", launch.pod, "running"]]);
    await host.removePod(owner, launch.pod);
    assert.deepEqual(await ownersOnH2(), []);
    assert.deepEqual(await host.observe(owner), []);
  });

  it("refuses an unknown host key with its fingerprint and the fix, and writes nothing", async function () {
    const empty = path.join(tmp, "known_hosts");
    writeFileSync(empty, "");
    const host = sshHost(empty);
    for (const call of [() => host.observe(owner), () => host.launchPod(podLaunch(owner, { hostIp: bed.ssh.host.ip }))]) {
      await assert.rejects(call(), (err: unknown) => {
        assert.ok(err instanceof EndpointRefusedError, String(err));
        assert.equal(
          err.message,
          `host "h2-ssh": the SSH host key of [127.0.0.1]:2222 (ssh-ed25519 ${fingerprint}) is not in ${empty}, and berth never trusts an unknown key; ` +
            `compare the fingerprint with the one the host's administrator reads there (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then add it: ssh-keyscan -p 2222 -t ssh-ed25519 127.0.0.1 >> ${empty}`,
        );
        return true;
      });
    }
    assert.equal(readFileSync(empty, "utf8"), "");
    assert.deepEqual(await ownersOnH2(), []);
  });

  it("a key the server does not authorize is a host that cannot be reached, saying the login was refused, without key material", async function () {
    const stranger = path.join(tmp, "stranger");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", stranger]);
    const host = new DockerodeHost({ name: "h2-ssh", endpoint: bed.ssh.endpoint }, { HOME: tmp }, { ssh: { identityFile: stranger, knownHosts: bed.ssh.knownHosts } });
    const key = readFileSync(stranger, "utf8");
    await assert.rejects(host.observe(owner), (err: unknown) => {
      assert.ok(err instanceof HostUnreachableError, String(err));
      assert.match(err.message, /SSH login as berth@127\.0\.0\.1:2222 was refused: no offered key is authorized/);
      assert.ok(!err.message.includes(key.split("\n")[1]!));
      return true;
    });
  });

  it("the bed's sshd starts once (a second start finds it running) and its stop leaves no process or listener behind", async function () {
    // A private one beside the bed's, as bed:up and bed:down run it: the shared one stays up for other suites.
    const dir = path.join(tmp, "sshd");
    const port = 2299;
    const first = await startSshd({ dir, port, engineSocket: bed.ssh.host.socket });
    assert.equal(first.state, "started");
    assert.deepEqual(await startSshd({ dir, port, engineSocket: bed.ssh.host.socket }), { pid: first.pid, state: "running" });
    assert.equal(await pingSshd(port), true);
    assert.equal(await stopSshd(dir), true);
    assert.equal(isAlive(first.pid), false);
    assert.equal(readPid(sshFiles(dir).pidFile), undefined);
    assert.equal(await pingSshd(port), false);
    assert.equal(await stopSshd(dir), false);
  });

  it("berth plan reads the engine over SSH with the operator config's ssh section", async function () {
    const dir = mkdtempSync(path.join(tmp, "fleet-"));
    writeFileSync(path.join(dir, "hosts.yaml"), `apiVersion: berth/v1\nkind: Host\nmetadata:\n  name: h2-ssh\nspec:\n  endpoint: ${bed.ssh.endpoint}\n`);
    writeFileSync(path.join(dir, "web.yaml"), "apiVersion: berth/v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  image: 127.0.0.1:5000/berth/app:v1\n  replicas: 1\n");
    const config = path.join(tmp, "operator.yaml");
    writeFileSync(config, `apiVersion: berth/v1\nkind: OperatorConfig\nssh:\n  identityFile: ${bed.ssh.identityFile}\n  knownHosts: ${bed.ssh.knownHosts}\n`);
    const state = mkdtempSync(path.join(tmp, "state-"));
    const plan = await berth(["plan", dir, "--config", config, "--owner", owner, "--state-dir", state, "--detailed-exitcode"], { SSH_AUTH_SOCK: "" });
    assert.equal(plan.code, 2, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /h2-ssh/);
    assert.doesNotMatch(plan.stdout + plan.stderr, /not observed|cannot be reached|refused/);
  });
});
