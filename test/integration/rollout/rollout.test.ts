/**
 * End to end on the 3-engine bed (issue 6): plan and apply real rollouts,
 * checked through the engines' own APIs.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { removeOwnerContainers, useBed } from "../../support/bed.ts";
import { FleetDir, type TestService } from "../../support/fleet-dir.ts";
import { applyDir, planDir } from "../../support/reconcile.ts";
import { engineClient } from "../../../testbed/engines.ts";
import { repoRoot, type BedLayout } from "../../../testbed/layout.ts";

const run = promisify(execFile);
const V1 = "127.0.0.1:5000/berth/app:v1";
const V2 = "127.0.0.1:5000/berth/app:v2";
const BROKEN = "127.0.0.1:5000/berth/app:broken";
const HTTP_HEALTH = "  health:\n    http:\n      path: /healthz\n      port: http\n    timeout: 1s\n  rollout:\n    maxSurge: 1\n    maxUnavailable: 0\n    progressDeadline: 20s";

function get(url: string, timeoutMs = 1000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

interface Managed {
  host: string;
  id: string;
  service: string;
  container: string;
  slot: string;
  image: string;
  state: string;
  port?: number;
  ip: string;
}

async function managed(bed: BedLayout, owner: string): Promise<Managed[]> {
  const lists = await Promise.all(
    bed.hosts.map(async (h) =>
      (await engineClient(h).listContainers({ all: true, filters: { label: [`berth.owner=${owner}`] } })).map((c) => ({
        host: h.name,
        id: c.Id,
        service: c.Labels["berth.service"] ?? "",
        container: c.Labels["berth.container"] ?? "",
        slot: c.Labels["berth.slot"] ?? "",
        image: c.Image,
        state: c.State,
        ip: h.ip,
        ...(c.Ports.find((p) => p.PrivatePort === 8080 && p.PublicPort) ? { port: c.Ports.find((p) => p.PrivatePort === 8080)!.PublicPort } : {}),
      })),
    ),
  );
  return lists.flat();
}

async function mains(bed: BedLayout, owner: string, service: string): Promise<Managed[]> {
  return (await managed(bed, owner)).filter((c) => c.service === service && c.container === "main" && c.state === "running");
}

/** What each running replica of `service` answers on `/`. */
async function versions(bed: BedLayout, owner: string, service: string): Promise<string[]> {
  const list = await mains(bed, owner, service);
  return Promise.all(list.map(async (c) => (await get(`http://${c.ip}:${c.port}/`)).body.split(" ").slice(0, 2).join(" "))).then((v) => v.sort());
}

/**
 * Calls the service the way a client behind a load balancer with retries
 * would: each request tries the known replica addresses (old and new) in
 * turn and fails only when none answers 200. Addresses are re-read from the
 * engines every 150 ms.
 */
function startChecker(bed: BedLayout, owner: string, service: string): { stop(): Promise<{ requests: number; failed: number }> } {
  let running = true;
  let addresses: string[] = [];
  let requests = 0;
  let failed = 0;
  const refresh = async () => {
    while (running) {
      addresses = (await mains(bed, owner, service).catch(() => [])).filter((c) => c.port).map((c) => `http://${c.ip}:${c.port}/`);
      await new Promise((r) => setTimeout(r, 150));
    }
  };
  const load = async () => {
    const deadline = Date.now() + 120_000;
    while (running && Date.now() < deadline) {
      requests++;
      let ok = false;
      for (const a of [...addresses]) {
        try {
          if ((await get(a, 500)).status === 200) {
            ok = true;
            break;
          }
        } catch {
          // the next replica may answer
        }
      }
      if (!ok) failed++;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  // Requests start once the first address list is in, so none is sent to nobody.
  const done = (async () => {
    addresses = (await mains(bed, owner, service)).filter((c) => c.port).map((c) => `http://${c.ip}:${c.port}/`);
    await Promise.all([refresh(), load()]);
  })();
  return {
    async stop() {
      running = false;
      await done;
      return { requests, failed };
    },
  };
}

describe("plan and apply on the 3-engine bed", function () {
  this.timeout(180_000);
  let bed: BedLayout;
  let fleet: FleetDir;
  const owner = `test-rollout-${process.pid}-${Date.now()}`;
  const bystanders: { docker: Docker; id: string }[] = [];

  const web = (over: Partial<TestService> = {}): TestService => ({ name: "web", image: V1, replicas: 3, extra: HTTP_HEALTH, ...over });

  before(async function () {
    bed = await useBed(this);
    fleet = new FleetDir(bed);
    // An unmanaged container and one of another berth instance: berth must never touch them.
    const d1 = engineClient(bed.hosts[0]!);
    const d2 = engineClient(bed.hosts[1]!);
    const keep = { Image: "127.0.0.1:5000/berth/toolbox:v1", Cmd: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"] };
    await Promise.all([d1, d2].map((d) => d.pull("127.0.0.1:5000/berth/toolbox:v1").then((s) => new Promise((r) => d.modem.followProgress(s, r)))));
    const unmanaged = await d1.createContainer({ ...keep, Labels: { "test.bystander": owner } });
    const foreign = await d2.createContainer({
      ...keep,
      Labels: { "test.bystander": owner, "berth.managed": "true", "berth.owner": `someone-else-${owner}`, "berth.service": "web", "berth.slot": "0", "berth.pod": "foreign", "berth.container": "main" },
    });
    await unmanaged.start();
    await foreign.start();
    bystanders.push({ docker: d1, id: unmanaged.id }, { docker: d2, id: foreign.id });
  });

  after(async function () {
    if (!bed) return;
    await removeOwnerContainers(bed, owner);
    await Promise.all(bystanders.map((b) => b.docker.getContainer(b.id).remove({ force: true }).catch(() => undefined)));
    fleet?.remove();
  });

  it("first deploy: one healthy replica on each engine, labelled as berth's", async function () {
    const { plan, result } = await applyDir(fleet.write([web()]), owner);
    assert.equal(plan.summary.create, 3);
    assert.ok(result.ok, JSON.stringify(result));
    const list = await mains(bed, owner, "web");
    assert.deepEqual(list.map((c) => c.host).sort(), ["h1", "h2", "h3"]);
    assert.deepEqual(list.map((c) => c.slot).sort(), ["0", "1", "2"]);
    assert.deepEqual(await versions(bed, owner, "web"), ["app v1", "app v1", "app v1"]);
  });

  it("a converged fleet plans as in sync, and `berth plan --detailed-exitcode` exits 0", async function () {
    const { plan } = await planDir(fleet.dir, owner);
    assert.equal(plan.summary.inSync, true);
    const { stdout } = await run(process.execPath, ["--import", "tsx", path.join(repoRoot, "reconciler/cli/main.ts"), "plan", fleet.dir, "--owner", owner, "--detailed-exitcode"], { cwd: repoRoot });
    assert.match(stdout, /In sync: 3 pods unchanged/);
  });

  it("scales down and up", async function () {
    const down = await applyDir(fleet.write([web({ replicas: 2 })]), owner);
    assert.ok(down.result.ok);
    assert.equal(down.plan.summary.remove, 1);
    assert.equal((await mains(bed, owner, "web")).length, 2);
    const up = await applyDir(fleet.write([web({ replicas: 3 })]), owner);
    assert.ok(up.result.ok);
    assert.equal(up.plan.summary.create, 1);
    assert.deepEqual((await mains(bed, owner, "web")).map((c) => c.host).sort(), ["h1", "h2", "h3"]);
  });

  it("rolls v1 → v2 with maxUnavailable 0 and zero failed requests", async function () {
    const checker = startChecker(bed, owner, "web");
    await new Promise((r) => setTimeout(r, 500));
    const { plan, result } = await applyDir(fleet.write([web({ image: V2 })]), owner);
    const traffic = await checker.stop();
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(plan.summary.replace, 3);
    const reasons = plan.services[0]!.changes.flatMap((c) => (c.action === "replace" ? c.reasons : []));
    assert.ok(reasons.includes(`image ${V1} → ${V2}`), reasons.join("; "));
    assert.ok(traffic.requests > 50, `the checker made only ${traffic.requests} requests`);
    assert.equal(traffic.failed, 0, `${traffic.failed} of ${traffic.requests} requests failed`);
    assert.deepEqual(await versions(bed, owner, "web"), ["app v2", "app v2", "app v2"]);
    assert.equal((await managed(bed, owner)).length, 3, "old pods are removed once converged");
  });

  it("v2 → broken rolls back to v2 and reports the failure", async function () {
    const { result } = await applyDir(fleet.write([web({ image: BROKEN, extra: HTTP_HEALTH.replace("20s", "6s") })]), owner);
    assert.equal(result.ok, false);
    assert.equal(result.services[0]!.result, "rolled-back");
    assert.match(result.services[0]!.reason ?? "", /did not become ready/);
    assert.deepEqual(await versions(bed, owner, "web"), ["app v2", "app v2", "app v2"]);
    assert.equal((await managed(bed, owner)).filter((c) => c.image === BROKEN).length, 0, "no broken pod is left");
  });

  it("a template parameter change replaces only the pods carrying that template", async function () {
    const template = (greeting: string) =>
      [
        "apiVersion: berth/v1",
        "kind: Template",
        "metadata:",
        "  name: greeter",
        "spec:",
        "  pattern: sidecar",
        "  params:",
        "    greeting:",
        "      type: string",
        "  containers:",
        "    - name: greeter",
        "      image: 127.0.0.1:5000/berth/toolbox:v1",
        "      command: [sh, -c]",
        `      args: ['echo "\${{ params.greeting }}"; sleep 3600 & trap "exit 0" TERM; wait']`,
        "",
      ].join("\n");
    const withGreeter = (g: string) => web({ image: V2, extra: `${HTTP_HEALTH}\n  uses:\n    - template: greeter\n      with:\n        greeting: ${g}` });
    const api = { name: "api", image: V2, replicas: 2 };
    const first = await applyDir(fleet.write([withGreeter("hello"), api], { templates: template("x") }), owner);
    assert.ok(first.result.ok, JSON.stringify(first.result));
    const apiBefore = (await mains(bed, owner, "api")).map((c) => c.id).sort();
    const { plan, result } = await applyDir(fleet.write([withGreeter("bonjour"), api], { templates: template("x") }), owner);
    assert.ok(result.ok, JSON.stringify(result));
    const byService = Object.fromEntries(plan.services.map((s) => [s.name, s.changes.map((c) => c.action)]));
    assert.deepEqual(byService["web"], ["replace", "replace", "replace"]);
    assert.deepEqual(byService["api"], ["keep", "keep"]);
    const reasons = plan.services.find((s) => s.name === "web")!.changes.flatMap((c) => (c.action === "replace" ? c.reasons : []));
    assert.ok(reasons.includes("template greeter: param greeting changed"), reasons.join("; "));
    assert.deepEqual((await mains(bed, owner, "api")).map((c) => c.id).sort(), apiBefore);
  });

  it("a service deleted from git is pruned", async function () {
    const { plan, result } = await applyDir(fleet.write([web({ image: V2 })]), owner);
    assert.ok(result.ok, JSON.stringify(result));
    assert.ok(plan.services.some((s) => s.name === "api" && s.kind === "removed"));
    assert.equal((await managed(bed, owner)).filter((c) => c.service === "api").length, 0);
  });

  it("an unreachable engine is named, and the other hosts still converge", async function () {
    const extraHosts = "---\napiVersion: berth/v1\nkind: Host\nmetadata:\n  name: h4\nspec:\n  endpoint: tcp://127.0.0.99:2375\n  insecure: true\n  labels:\n    zone: c\n";
    const { plan, result } = await applyDir(fleet.write([web({ image: V1 })], { extraHosts }), owner);
    assert.equal(plan.hosts.find((h) => h.name === "h4")?.state, "unreachable");
    assert.equal(result.ok, false, "an apply that could not reach a host is not a full success");
    assert.deepEqual(result.failedHosts.map((h) => h.host), ["h4"]);
    assert.equal(result.services[0]!.result, "converged");
    assert.deepEqual(await versions(bed, owner, "web"), ["app v1", "app v1", "app v1"]);
  });

  it("keeps off a host port an unmanaged container holds, and explains the replica it cannot place", async function () {
    const port = 18081;
    const d1 = engineClient(bed.hosts[0]!);
    const holder = await d1.createContainer({
      Image: "127.0.0.1:5000/berth/toolbox:v1",
      Cmd: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
      Labels: { "test.bystander": owner },
      ExposedPorts: { "8080/tcp": {} },
      HostConfig: { PortBindings: { "8080/tcp": [{ HostPort: String(port) }] } },
    });
    await holder.start();
    bystanders.push({ docker: d1, id: holder.id });

    const { plan, result } = await applyDir(fleet.write([web({ name: "pinned", image: V1, replicas: 3, hostPort: port })]), owner);
    const pinned = plan.services.find((s) => s.name === "pinned")!;
    const unplaced = pinned.changes.filter((c) => c.action === "unplaced");
    assert.equal(unplaced.length, 1, JSON.stringify(pinned.changes));
    assert.match(unplaced[0]!.action === "unplaced" ? unplaced[0]!.reason : "", /1 host: host port 18081 in use/);
    assert.deepEqual(pinned.changes.flatMap((c) => (c.action === "create" ? [c.host] : [])).sort(), ["h2", "h3"]);
    assert.equal(result.services.find((s) => s.service === "pinned")?.result, "converged", "the replicas that fit were started");
    assert.equal(result.ok, false, "an apply that left a replica unplaced is not a full success");
    assert.deepEqual((await mains(bed, owner, "pinned")).map((c) => c.host).sort(), ["h2", "h3"]);
  });

  it("never touched the unmanaged container or another owner's", async function () {
    for (const b of bystanders) {
      const info = await b.docker.getContainer(b.id).inspect();
      assert.equal(info.State.Running, true, `bystander ${info.Name} must still run`);
    }
  });
});
