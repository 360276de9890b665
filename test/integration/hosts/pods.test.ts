/**
 * The Docker adapter (reconciler/docker) against the bed's real engines:
 * one-call observe that sees only this owner's containers, atomic pod
 * launches sharing main's network namespace, idempotent stop and remove,
 * pull, exec and logs.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type Docker from "dockerode";
import { DockerodeHost } from "../../../reconciler/docker/dockerode-host.ts";
import { ImageNotFoundError, LaunchError } from "../../../reconciler/docker/errors.ts";
import { engineClient } from "../../../testbed/engines.ts";
import type { BedHost, BedLayout } from "../../../testbed/layout.ts";
import { removeOwnerContainers, useBed } from "../../support/bed.ts";
import { APP_V1, TOOLBOX, podId, podLaunch, pullBedImages, toolbox, until } from "./bed-pods.ts";

function get(url: string): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 1000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
  });
}

describe("hosts: the adapter on real engines — pods", function () {
  const owner = `test-hosts-${podId()}`;
  let bed: BedLayout;
  let h1: BedHost;
  let host: DockerodeHost;
  let engine: Docker;
  /** Containers made behind the adapter's back, removed by id after the suite. */
  const bystanders: string[] = [];

  before(async function () {
    bed = await useBed(this);
    h1 = bed.hosts[0]!;
    host = new DockerodeHost({ name: h1.name, endpoint: `unix://${h1.socket}` });
    engine = engineClient(h1);
    this.timeout(60_000);
    await pullBedImages(host);
  });

  after(async function () {
    if (!bed) return;
    this.timeout(60_000);
    await removeOwnerContainers(bed, owner);
    await Promise.all(bystanders.map((id) => engine.getContainer(id).remove({ force: true }).catch(() => undefined)));
  });

  async function podContainers(pod: string): Promise<Docker.ContainerInfo[]> {
    return engine.listContainers({ all: true, filters: { label: [`berth.pod=${pod}`] } });
  }

  it("observe returns this owner's managed containers and nothing else", async () => {
    const launch = podLaunch(owner, { group: "web", slot: 3, hostIp: h1.ip });
    const t0 = Date.now();
    const { containers } = await host.launchPod(launch);
    // An unmanaged container, one claiming this owner without berth.managed, and another owner's managed one.
    const labelSets: Record<string, string>[] = [
      { "berth.test": owner },
      { "berth.owner": owner, "berth.service": "web", "berth.pod": podId() },
      { "berth.managed": "true", "berth.owner": `${owner}-other`, "berth.service": "web", "berth.slot": "0", "berth.pod": podId(), "berth.container": "main" },
    ];
    for (const labels of labelSets) {
      const c = await engine.createContainer({ Image: TOOLBOX, Cmd: ["sleep", "3600"], Labels: labels });
      bystanders.push(c.id);
      await c.start();
    }

    const seen = await host.observe(owner);
    assert.deepEqual(seen.map((c) => c.id), [containers[0]!.id]);
    const [c] = seen;
    assert.ok(c);
    assert.deepEqual(
      { host: c.host, name: c.name, image: c.image, state: c.state, owner: c.owner, kind: c.kind, group: c.group, slot: c.slot, container: c.container, pod: c.pod, specHash: c.specHash, commit: c.commit },
      { host: "h1", name: containers[0]!.name, image: APP_V1, state: "running", owner, kind: "service", group: "web", slot: 3, container: "main", pod: launch.pod, specHash: "hash-test", commit: "c0ffee1" },
    );
    assert.ok(Math.abs(c.createdAt - t0) < 5000, `createdAt ${c.createdAt} is near ${t0}`);
    assert.equal(c.ports.length, 1);
    assert.deepEqual({ ...c.ports[0], hostPort: 0 }, { containerPort: 8080, protocol: "tcp", hostIp: h1.ip, hostPort: 0 });
    assert.ok(c.ports[0]!.hostPort > 0);
    assert.deepEqual(await host.observe(`${owner}-nobody`), []);
  });

  it("launches main and a sidecar sharing its network namespace; the published port answers on the engine's address", async () => {
    const launch = podLaunch(owner, { group: "shared", hostIp: h1.ip, sidecars: [toolbox("probe", "trap 'exit 0' TERM; while true; do sleep 1; done")] });
    const { containers } = await host.launchPod(launch);
    assert.deepEqual(containers.map((c) => c.name), [`shared-0-${launch.pod.slice(0, 6)}`, `shared-0-${launch.pod.slice(0, 6)}-probe`]);

    const main = await engine.getContainer(containers[0]!.id).inspect();
    const sidecar = await engine.getContainer(containers[1]!.id).inspect();
    assert.equal(sidecar.HostConfig.NetworkMode, `container:${main.Id}`);
    assert.equal(sidecar.Config.Labels["berth.pod"], launch.pod);
    assert.equal(sidecar.Config.Labels["berth.container"], "probe");

    // From inside the sidecar, main is on 127.0.0.1: they share one network namespace.
    const fromSidecar = await until("the sidecar to reach main on 127.0.0.1:8080", async () => {
      const r = await host.exec(containers[1]!.id, ["wget", "-qO-", "http://127.0.0.1:8080/healthz"], 5000);
      return r.exitCode === 0 ? r : undefined;
    });
    assert.equal(fromSidecar.output.trim(), "ok v1");

    const port = (await host.status(containers[0]!.id))?.ports.find((p) => p.containerPort === 8080);
    assert.ok(port && port.hostIp === h1.ip && port.hostPort > 0, JSON.stringify(port));
    const res = await until("the published port to answer", () => get(`http://${h1.ip}:${port.hostPort}/`));
    assert.equal(res.status, 200);
    assert.match(res.body, /^app v1 /);
  });

  const atomic: { name: string; setup: () => Promise<{ launch: ReturnType<typeof podLaunch>; container: string; cause: RegExp }> }[] = [
    {
      name: "the second container's image is missing",
      setup: async () => ({
        launch: podLaunch(owner, { group: "atomic", sidecars: [toolbox("shipper", "sleep 1", { image: "127.0.0.1:5000/berth/missing:nope" })] }),
        container: "shipper",
        cause: /no such image|not found/i,
      }),
    },
    {
      name: "main cannot start: its host port is already taken",
      setup: async () => {
        const spec = { ports: [{ name: "http", container: "main", containerPort: 8080, protocol: "tcp" as const, hostPort: 28080 }] };
        await host.launchPod(podLaunch(owner, { group: "holder", hostIp: h1.ip, spec }));
        return { launch: podLaunch(owner, { group: "atomic", slot: 1, hostIp: h1.ip, spec, sidecars: [toolbox("s", "sleep 60")] }), container: "main", cause: /port is already allocated|address already in use/ };
      },
    },
  ];
  for (const c of atomic) {
    it(`a pod launch is all or nothing: ${c.name}`, async () => {
      const { launch, container, cause } = await c.setup();
      await assert.rejects(host.launchPod(launch), (err: unknown) => {
        assert.ok(err instanceof LaunchError, String(err));
        assert.equal(err.code, "launch-failed");
        assert.deepEqual({ host: err.data.host, pod: err.data.pod, container: err.data.container }, { host: "h1", pod: launch.pod, container });
        assert.match(err.data.cause, cause);
        assert.match(err.message, new RegExp(`container "${container}" of pod ${launch.pod} on host "h1"`));
        return true;
      });
      assert.deepEqual(await podContainers(launch.pod), [], "no container of the failed pod is left");
    });
  }

  it("a pod-private volume is shared by the pod's containers and removed with the pod; a named volume outlives it", async () => {
    const named = `test-hosts-named-${podId()}`;
    const mounts = [
      { volume: "scratch", mountPath: "/scratch", readOnly: false },
      { volume: "shared", mountPath: "/shared", readOnly: false },
    ];
    const launch = podLaunch(owner, {
      group: "volumes",
      main: { image: TOOLBOX, command: ["sh", "-c"], args: ["trap 'exit 0' TERM; echo from-main > /scratch/f; echo kept > /shared/f; sleep 3600 & wait"], volumeMounts: mounts },
      sidecars: [toolbox("reader", "trap 'exit 0' TERM; sleep 3600 & wait", { volumeMounts: [{ volume: "scratch", mountPath: "/in", readOnly: true }] })],
      spec: { ports: [], volumes: [{ name: "scratch", source: { kind: "pod" } }, { name: "shared", source: { kind: "named", volume: named } }] },
    });
    const { containers } = await host.launchPod(launch);
    const read = await until("the sidecar to read what main wrote", async () => {
      const r = await host.exec(containers[1]!.id, ["cat", "/in/f"], 5000);
      return r.exitCode === 0 ? r : undefined;
    });
    assert.equal(read.output.trim(), "from-main");
    const volumes = async () => ((await engine.listVolumes()).Volumes ?? []).map((v) => v.Name);
    assert.ok((await volumes()).includes(`berth-${launch.pod}-scratch`));

    await host.removePod(owner, launch.pod);
    const left = await volumes();
    assert.ok(!left.includes(`berth-${launch.pod}-scratch`), "the pod-private volume went with the pod");
    assert.ok(left.includes(named), "the named volume stays for the next pod");
    await engine.getVolume(named).remove();
  });

  it("stopping and removing are idempotent; a removed container has no status", async () => {
    const launch = podLaunch(owner, { group: "idem", sidecars: [toolbox("s", "trap 'exit 0' TERM; while true; do sleep 1; done")] });
    const { containers } = await host.launchPod(launch);
    await host.stopPod(owner, launch.pod, 5000);
    await host.stopPod(owner, launch.pod, 5000);
    assert.deepEqual((await podContainers(launch.pod)).map((c) => c.State), ["exited", "exited"]);
    await host.startPod(owner, launch.pod);
    await host.startPod(owner, launch.pod);
    assert.deepEqual((await podContainers(launch.pod)).map((c) => c.State), ["running", "running"]);
    await host.removePod(owner, launch.pod);
    await host.removePod(owner, launch.pod);
    await host.removePod(owner, podId());
    assert.deepEqual(await podContainers(launch.pod), []);
    assert.equal(await host.status(containers[0]!.id), undefined);
  });

  it("stopPod and removePod never touch another owner's pod with the same pod id", async () => {
    const launch = podLaunch(`${owner}-twin`, { group: "twin" });
    const { containers } = await host.launchPod(launch);
    bystanders.push(containers[0]!.id);
    await host.stopPod(owner, launch.pod, 1000);
    await host.removePod(owner, launch.pod);
    assert.equal((await host.status(containers[0]!.id))?.state, "running");
  });

  it("pull: an image the engine has is a no-op; a missing one is an ImageNotFoundError (stalled) with the engine's message", async () => {
    await host.pull(APP_V1);
    for (const image of ["127.0.0.1:5000/berth/missing:nope", "127.0.0.1:5000/berth/app:no-such-tag"]) {
      await assert.rejects(host.pull(image), (err: unknown) => {
        assert.ok(err instanceof ImageNotFoundError, String(err));
        assert.deepEqual([err.code, err.reaction, err.data.image], ["image-not-found", "stalled", image]);
        assert.match(err.message, /^image 127\.0\.0\.1:5000\/berth\/\S+ does not exist \(pulling it on host "h1": .*(not found|unknown)/i);
        return true;
      });
    }
  });

  it("logsTail returns the last lines of stdout and stderr; exec reports exit code and output, and gives up at its timeout", async () => {
    // stderr first, then a pause: the engine copies the two streams separately, so only a pause orders them in the log.
    const script = "echo oops >&2; sleep 1; for i in 1 2 3 4 5; do echo line $i; done; trap 'exit 0' TERM; while true; do sleep 1; done";
    const launch = podLaunch(owner, { group: "tools", main: { image: TOOLBOX, command: ["sh", "-c"], args: [script] }, spec: { ports: [] } });
    const { containers } = await host.launchPod(launch);
    const id = containers[0]!.id;
    await until("five lines of output", async () => ((await host.logsTail(id, 10)).includes("line 5") ? true : undefined));
    assert.equal(await host.logsTail(id, 2), "line 4\nline 5\n");
    assert.equal(await host.logsTail(id, 6), "oops\nline 1\nline 2\nline 3\nline 4\nline 5\n");

    const r = await host.exec(id, ["sh", "-c", "echo out; echo err >&2; exit 3"], 5000);
    assert.equal(r.exitCode, 3);
    // Both streams are captured; their relative order is the engine's, not the script's.
    assert.deepEqual(r.output.split("\n").sort(), ["", "err", "out"]);
    const t0 = Date.now();
    await assert.rejects(host.exec(id, ["sleep", "30"], 300), /timed out after 300 ms/);
    assert.ok(Date.now() - t0 < 3000, `exec gave up after ${Date.now() - t0} ms`);
  });

  it("capacity is the engine's cpu count and memory", async () => {
    const info = (await engine.info()) as { NCPU: number; MemTotal: number };
    assert.deepEqual(await host.capacity(), { cpu: info.NCPU, memory: info.MemTotal });
  });
});
