/**
 * Proves the test bed is made of real parts: each of the 3 engines pulls the
 * test image from the bed's registry and serves it on its own loopback
 * address, and the git HTTP server serves a private repository to
 * isomorphic-git only with the right credentials; etcd answers on loopback
 * and, from inside a pod, at `host.berth.internal:2379` on every engine;
 * Prometheus finds an app container on every engine by its berth labels and
 * scrapes its `/metrics` at the engine's published address.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import git from "isomorphic-git";
import gitHttp from "isomorphic-git/http/node";
import type Docker from "dockerode";
import { useBed } from "../support/bed.ts";
import { engineClient } from "../../testbed/engines.ts";
import { gitCredentials } from "../../testbed/git-http.ts";
import { ETCD_URL, IMAGE_PREFIX, PROMETHEUS_URL, type BedLayout } from "../../testbed/layout.ts";
import { isAlive } from "../../testbed/daemon.ts";
import { pingEtcd, startEtcd, stopEtcd } from "../../testbed/etcd.ts";
import { pingPrometheus, startPrometheus, stopPrometheus } from "../../testbed/prometheus.ts";

const IMAGE = `${IMAGE_PREFIX}/app:v1`;
const TEST_LABEL = "berth.test";
// The same host port on every engine: it works only because each engine
// publishes on its own loopback address, as three machines would.
// Not 18080: the demo exposes examples-repo's web there on every engine, and the tests run beside it.
const HOST_PORT = 18095;

async function pull(docker: Docker, ref: string): Promise<void> {
  const stream = await docker.pull(ref);
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { timeout: 2000 }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject)
      .on("timeout", function (this: http.ClientRequest) {
        this.destroy(new Error(`GET ${url} timed out`));
      });
  });
}

async function getWithRetry(url: string, deadlineMs: number): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      const r = await get(url);
      if (r.status === 200) return r;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`GET ${url} did not answer 200 within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function removeTestContainers(docker: Docker): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [TEST_LABEL] } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true })));
}

describe("test bed", function () {
  let bed: BedLayout;

  before(async function () {
    bed = await useBed(this);
  });

  describe("engines", function () {
    this.timeout(120_000);

    it("has 3 engines, each answering on its own socket with its own data root", async function () {
      assert.equal(bed.hosts.length, 3);
      // Engines of one machine share /etc/docker and so their engine ID;
      // their data roots tell them apart.
      const infos = await Promise.all(bed.hosts.map((h) => engineClient(h).info() as Promise<{ DockerRootDir: string }>));
      infos.forEach((info, i) => assert.equal(info.DockerRootDir, `${bed.hosts[i]!.dir}/data`));
    });

    it("pulls app:v1 from the bed registry on every engine and serves /healthz on each engine's own loopback address", async function () {
      await Promise.all(
        bed.hosts.map(async (host) => {
          const docker = engineClient(host);
          await removeTestContainers(docker);
          await docker.getImage(IMAGE).remove({ force: true }).catch(() => undefined);
          await pull(docker, IMAGE);
          const container = await docker.createContainer({
            Image: IMAGE,
            name: `bedcheck-${host.name}`,
            Labels: { [TEST_LABEL]: "bed" },
            ExposedPorts: { "8080/tcp": {} },
            HostConfig: { PortBindings: { "8080/tcp": [{ HostIp: host.ip, HostPort: String(HOST_PORT) }] } },
          });
          try {
            await container.start();
            const res = await getWithRetry(`http://${host.ip}:${HOST_PORT}/healthz`, 15_000);
            assert.equal(res.body.trim(), "ok v1");
            const page = await get(`http://${host.ip}:${HOST_PORT}/`);
            const id = (await container.inspect()).Config.Hostname;
            assert.equal(page.body.trim(), `app v1 host=${id}`, "each address must reach its own engine's container");
          } finally {
            await container.remove({ force: true });
          }
          const left = await docker.listContainers({ all: true, filters: { label: [TEST_LABEL] } });
          assert.equal(left.length, 0);
        }),
      );
    });
  });

  describe("etcd", function () {
    this.timeout(120_000);

    it("answers /health on 127.0.0.1:2379", async function () {
      assert.equal(bed.etcd.url, ETCD_URL);
      assert.equal(await pingEtcd(ETCD_URL), true);
    });

    it("is reached from a container on every engine at host.berth.internal:2379 (the engine's bridge gateway)", async function () {
      await Promise.all(
        bed.hosts.map(async (host) => {
          const docker = engineClient(host);
          await pull(docker, `${IMAGE_PREFIX}/toolbox:v1`);
          const container = await docker.createContainer({
            Image: `${IMAGE_PREFIX}/toolbox:v1`,
            name: `bedcheck-etcd-${host.name}`,
            Labels: { [TEST_LABEL]: "bed" },
            // `timeout`, not `wget -T`: Debian 12's busybox-static wget segfaults (exit 139) with -T.
            Cmd: ["sh", "-c", "grep host.berth.internal /etc/hosts; timeout 5 wget -q -O - http://host.berth.internal:2379/health"],
            HostConfig: { ExtraHosts: ["host.berth.internal:host-gateway"] },
          });
          try {
            await container.start();
            const { StatusCode } = (await container.wait()) as { StatusCode: number };
            const out = (await container.logs({ stdout: true, stderr: true })).toString("utf8");
            assert.equal(StatusCode, 0, `container on ${host.name} could not reach etcd: ${out}`);
            assert.ok(out.includes(`${host.bridgeCidr.split("/")[0]}\thost.berth.internal`), `host-gateway is not ${host.name}'s bridge gateway: ${out}`);
            assert.match(out, /"health":"true"/);
          } finally {
            await container.remove({ force: true });
          }
        }),
      );
    });

    it("starts a private etcd on other ports, idempotently, and stops it until its process is gone", async function () {
      const dir = mkdtempSync(path.join(os.tmpdir(), "berth-bedcheck-etcd-"));
      const opts = { dataDir: path.join(dir, "data"), clientPort: 23795, peerPort: 23796, logFile: path.join(dir, "etcd.log"), pidFile: path.join(dir, "etcd.pid"), name: "bedcheck" };
      try {
        const first = await startEtcd(opts);
        assert.equal(first.state, "started");
        assert.equal(first.url, "http://127.0.0.1:23795");
        const again = await startEtcd(opts);
        assert.deepEqual(again, { ...first, state: "running" });
        assert.equal(await stopEtcd(opts.pidFile), true);
        assert.equal(isAlive(first.pid), false);
        assert.equal(await pingEtcd(first.url), false);
        assert.equal(await stopEtcd(opts.pidFile), false);
      } finally {
        await stopEtcd(opts.pidFile);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("prometheus", function () {
    this.timeout(120_000);

    it("answers /-/ready on 127.0.0.1:9090", async function () {
      assert.equal(bed.prometheus.url, PROMETHEUS_URL);
      assert.equal(await pingPrometheus(PROMETHEUS_URL), true);
    });

    it("discovers a berth-labelled app container on every engine and scrapes its /metrics at the published address, with service, owner, slot and host", async function () {
      const owner = `bedcheck-prometheus-${process.pid}-${Date.now()}`;
      const containers = await Promise.all(
        bed.hosts.map(async (host, slot) => {
          const docker = engineClient(host);
          await pull(docker, IMAGE);
          const container = await docker.createContainer({
            Image: IMAGE,
            name: `bedcheck-prometheus-${host.name}-${process.pid}`,
            Labels: { [TEST_LABEL]: "bed", "berth.managed": "true", "berth.container": "main", "berth.service": "bedcheck", "berth.owner": owner, "berth.slot": String(slot) },
            ExposedPorts: { "8080/tcp": {} },
            HostConfig: { PortBindings: { "8080/tcp": [{ HostIp: host.ip, HostPort: "" }] } },
          });
          await container.start();
          const port = (await container.inspect()).NetworkSettings.Ports["8080/tcp"]![0]!.HostPort;
          return { host, container, address: `${host.ip}:${port}` };
        }),
      );
      try {
        type Series = { metric: Record<string, string>; value: [number, string] };
        const t0 = Date.now();
        const query = `app_requests_total{owner="${owner}"}`;
        let series: Series[] = [];
        for (;;) {
          const res = await fetch(`${PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(query)}`);
          series = ((await res.json()) as { data: { result: Series[] } }).data.result;
          if (series.length === 3) break;
          if (Date.now() - t0 > 30_000) assert.fail(`Prometheus gave ${series.length} series for ${query} within 30 s, not 3: ${JSON.stringify(series)}`);
          await new Promise((r) => setTimeout(r, 250));
        }
        console.log(`      container started → scraped by Prometheus on all 3 engines: ${Date.now() - t0} ms`);
        const seen = series.map((s) => ({ instance: s.metric["instance"], host: s.metric["host"], service: s.metric["service"], slot: s.metric["slot"] })).sort((a, b) => a.host!.localeCompare(b.host!));
        assert.deepEqual(
          seen,
          containers.map((c, slot) => ({ instance: c.address, host: c.host.name, service: "bedcheck", slot: String(slot) })),
        );
        // The app's own page: a gauge and a counter in Prometheus' text format.
        const page = await get(`http://${containers[0]!.address}/metrics`);
        assert.equal(page.status, 200);
        assert.match(page.body, /^# TYPE app_requests_per_second gauge\napp_requests_per_second \d+\.\d$/m);
        assert.match(page.body, /^# TYPE app_requests_total counter\napp_requests_total \d+$/m);
      } finally {
        await Promise.all(containers.map((c) => c.container.remove({ force: true })));
      }
    });
  });

  describe("prometheus, started on its own", function () {
    this.timeout(60_000);

    it("starts a private Prometheus on another port, idempotently, reads a changed configuration, and stops until its process is gone", async function () {
      const dir = mkdtempSync(path.join(os.tmpdir(), "berth-bedcheck-prometheus-"));
      const opts = { listen: "127.0.0.1:19090", configFile: path.join(dir, "prometheus.yml"), dataDir: path.join(dir, "data"), logFile: path.join(dir, "prometheus.log"), pidFile: path.join(dir, "prometheus.pid"), hosts: bed.hosts.slice(0, 1) };
      try {
        const first = await startPrometheus(opts);
        assert.equal(first.state, "started");
        assert.equal(first.url, "http://127.0.0.1:19090");
        assert.deepEqual(await startPrometheus(opts), { ...first, state: "running" });
        assert.deepEqual(await startPrometheus({ ...opts, hosts: bed.hosts }), { ...first, state: "reloaded" });
        assert.match(readFileSync(opts.configFile, "utf8"), new RegExp(`host: unix://${bed.hosts[2]!.socket}`));
        assert.equal(await stopPrometheus(opts.pidFile), true);
        assert.equal(isAlive(first.pid), false);
        assert.equal(await pingPrometheus(first.url), false);
        assert.equal(await stopPrometheus(opts.pidFile), false);
      } finally {
        await stopPrometheus(opts.pidFile);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("git HTTP server", function () {
    this.timeout(60_000);
    let work: string;
    let repoUrl: string;
    let headSha: string;

    before(function () {
      work = mkdtempSync(path.join(os.tmpdir(), "berth-bedcheck-"));
      const src = path.join(work, "src");
      const bare = path.join(bed.git.reposDir, "private", "bedcheck.git");
      rmSync(bare, { recursive: true, force: true });
      const g = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" }).trim();
      execFileSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
      fs.mkdirSync(src);
      g(src, "init", "-q", "-b", "main");
      writeFileSync(path.join(src, "fleet.yaml"), "apiVersion: berth/v1\nkind: Host\n");
      g(src, "add", ".");
      g(src, "-c", "user.name=bed", "-c", "user.email=bed@example.invalid", "commit", "-q", "-m", "bed check");
      g(src, "push", "-q", bare, "main");
      headSha = g(src, "rev-parse", "HEAD");
      repoUrl = `${bed.git.url}/private/bedcheck.git`;
    });

    after(function () {
      rmSync(work, { recursive: true, force: true });
    });

    it("clones a private repository with the right credentials", async function () {
      const [cred] = gitCredentials(bed.git);
      assert.ok(cred);
      const dir = path.join(work, "clone-ok");
      await git.clone({ fs, http: gitHttp, dir, url: repoUrl, singleBranch: true, depth: 1, onAuth: () => ({ username: cred.username, password: cred.token }) });
      assert.equal(await git.resolveRef({ fs, dir, ref: "HEAD" }), headSha);
      assert.match(readFileSync(path.join(dir, "fleet.yaml"), "utf8"), /kind: Host/);
    });

    it("refuses the same clone with a wrong token", async function () {
      const dir = path.join(work, "clone-bad");
      await assert.rejects(
        git.clone({ fs, http: gitHttp, dir, url: repoUrl, singleBranch: true, depth: 1, onAuth: () => ({ username: "berth", password: "wrong-token" }), onAuthFailure: () => ({ cancel: true }) }),
        (err: Error & { code?: string; data?: { statusCode?: number } }) => {
          assert.ok(["HttpError", "UserCanceledError"].includes(err.code ?? ""), `unexpected error ${err.code}: ${err.message}`);
          return true;
        },
      );
    });

    it("refuses a clone without credentials", async function () {
      const dir = path.join(work, "clone-anon");
      await assert.rejects(git.clone({ fs, http: gitHttp, dir, url: repoUrl, singleBranch: true, depth: 1 }), (err: Error & { code?: string; data?: { statusCode?: number } }) => {
        assert.equal(err.code, "HttpError");
        assert.equal(err.data?.statusCode, 401);
        return true;
      });
    });
  });
});
