/**
 * Issue 11: `kill -9` while a new pod gated by berth's own HTTP probe is
 * starting. Its image has no HEALTHCHECK, so the engine reports no health
 * and, after the restart, the pod looked ready at once: the plan kept it and
 * stopped the healthy old pod before the new one had ever answered. Proven
 * here from the engines' own records — the old pod's stop (event stream)
 * against the moment the pod that serves in the end started answering
 * /healthz (its log, engine-timestamped) — with a real `berth run` process.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { removeOwnerContainers, useBed } from "../../support/bed.ts";
import { hostsYaml, serviceYaml } from "../../support/fleet-dir.ts";
import { engineClient } from "../../../testbed/engines.ts";
import { gitCredentials } from "../../../testbed/git-http.ts";
import { repoRoot, type BedHost, type BedLayout } from "../../../testbed/layout.ts";
import type { DaemonStatus } from "../../../reconciler/loop/status.ts";

const PROBE = ["  health:", "    http:", "      path: /healthz", "      port: http", "  rollout:", "    progressDeadline: 40s", "    monitor: 1s"].join("\n");
const TOOLBOX = "127.0.0.1:5000/berth/toolbox:v1";
/**
 * v2 answers /healthz only after 8 s, and prints `serving` just before it
 * starts its server, so no probe can pass before that line; its image has no
 * HEALTHCHECK, so the engine reports no health.
 */
const SLOW_START = "trap 'exit 0' TERM; sleep 8 & wait $!; echo ok > /www/healthz; echo serving; httpd -f -p 8080 -h /www & wait";

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, { timeout: 1000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve(body));
    }).on("error", reject);
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A container's stop as the engine recorded it: the first kill, die or stop event. */
interface StopEvent {
  readonly id: string;
  readonly host: string;
  readonly slot: string;
  readonly image: string;
  readonly at: number;
}

/** Follows the engines' container events for `owner`'s main containers, keeping each container's first stop. */
async function recordStops(hosts: readonly BedHost[], owner: string, since: number): Promise<{ stops: Map<string, StopEvent>; close: () => void }> {
  const stops = new Map<string, StopEvent>();
  const streams = await Promise.all(
    hosts.map(async (h) => {
      const filters = { type: ["container" as const], event: ["kill", "die", "stop"], label: [`berth.owner=${owner}`, "berth.container=main"] };
      const stream = (await engineClient(h).getEvents({ since: Math.floor(since / 1000), filters })) as unknown as NodeJS.ReadableStream & { destroy(): void };
      let buf = "";
      stream.on("data", (chunk: Buffer) => {
        buf += chunk.toString();
        const lines = buf.split("\n");
        buf = lines.pop()!;
        for (const line of lines.filter(Boolean)) {
          const e = JSON.parse(line) as { id: string; timeNano: number; Actor: { Attributes: Record<string, string> } };
          if (stops.has(e.id)) continue;
          const a = e.Actor.Attributes;
          stops.set(e.id, { id: e.id, host: h.name, slot: a["berth.slot"]!, image: a["image"]!, at: Math.floor(e.timeNano / 1e6) });
        }
      });
      return stream;
    }),
  );
  return { stops, close: () => streams.forEach((s) => s.destroy()) };
}

/** When the container printed `serving` (v2 answers /healthz from then on), by the engine's log timestamp; undefined before. */
async function servingSince(docker: Docker, id: string): Promise<number | undefined> {
  const out = (await docker.getContainer(id).logs({ stdout: true, stderr: true, timestamps: true })) as unknown as Buffer;
  const m = /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?)\d*Z serving/.exec(out.toString("latin1"));
  return m ? Date.parse(`${m[1]}Z`) : undefined;
}

describe("berth run: kill -9 while a berth-probed new pod is starting (issue 11)", function () {
  this.timeout(120_000);
  let bed: BedLayout;
  let work: string;
  let url: string;
  let env: NodeJS.ProcessEnv;
  let daemon: ChildProcess | undefined;
  let listen = "";
  let log = "";
  const owner = `test-probe-restart-${process.pid}-${Date.now()}`;
  const src = () => path.join(work, "src");
  const g = (...args: string[]) => execFileSync("git", ["-c", "user.name=Dana Deployer", "-c", "user.email=dana@example.invalid", ...args], { cwd: src(), encoding: "utf8" }).trim();
  const push = (files: Record<string, string>, message: string): string => {
    for (const [p, content] of Object.entries(files)) writeFileSync(path.join(src(), p), content);
    g("add", "-A");
    g("commit", "-q", "-m", message);
    g("push", "-q", "origin", "main");
    return g("rev-parse", "HEAD");
  };

  const status = async (): Promise<DaemonStatus> => JSON.parse(await get(`http://${listen}/status`)) as DaemonStatus;
  const converged = (sha: string) =>
    until(`commit ${sha.slice(0, 8)} applied and web 1/1 ready`, async () => {
      const s = await status();
      const w = s.services.find((x) => x.name === "web");
      return s.source.commitApplied === sha && w?.ready === 1 && w.health === "healthy" ? s : undefined;
    }, 60_000);
  const webMains = async () =>
    (await Promise.all(bed.hosts.map(async (h) => (await engineClient(h).listContainers({ all: true, filters: { label: [`berth.owner=${owner}`, "berth.service=web", "berth.container=main"] } })).map((c) => ({ ...c, host: h }))))).flat();

  const startDaemon = async (): Promise<void> => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "reconciler/cli/main.ts"), "run", "--repo", url, "--owner", owner, "--listen", "127.0.0.1:0", "--interval", "1s", "--resync", "30s"], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    daemon = child;
    log = "";
    listen = await new Promise<string>((resolve, reject) => {
      child.stderr!.on("data", (c: Buffer) => {
        log += c.toString();
        const m = /"listen":"([^"]+)"/.exec(log);
        if (m) resolve(m[1]!);
      });
      child.once("exit", (code) => reject(new Error(`daemon exited (${code}) before listening:\n${log}`)));
    });
  };
  const killDaemon = (): Promise<void> =>
    new Promise((resolve) => {
      if (!daemon || daemon.exitCode !== null || daemon.signalCode !== null) return resolve();
      daemon.once("exit", () => resolve());
      daemon.kill("SIGKILL");
    });

  before(async function () {
    bed = await useBed(this);
    work = mkdtempSync(path.join(os.tmpdir(), "berth-probe-restart-"));
    const name = `private/probe-restart-${process.pid}.git`;
    const bare = path.join(bed.git.reposDir, name);
    rmSync(bare, { recursive: true, force: true });
    execFileSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
    mkdirSync(src());
    execFileSync("git", ["init", "-q", "-b", "main", src()]);
    g("remote", "add", "origin", bare);
    url = `${bed.git.url}/${name}`;
    const [cred] = gitCredentials(bed.git);
    env = { BERTH_GIT_USERNAME: cred!.username, BERTH_GIT_TOKEN: cred!.token, BERTH_STATE_DIR: path.join(work, "state"), NO_COLOR: "1" };
  });

  after(async function () {
    await killDaemon();
    if (bed) await removeOwnerContainers(bed, owner);
    if (work) rmSync(work, { recursive: true, force: true });
    if (bed) rmSync(path.join(bed.git.reposDir, `private/probe-restart-${process.pid}.git`), { recursive: true, force: true });
  });

  it("after the restart, no old pod of a slot stops before the pod that replaces it answered berth's probe", async function () {
    const v1 = push({ "hosts.yaml": hostsYaml(bed), "web.yaml": serviceYaml({ name: "web", replicas: 1, extra: PROBE }) }, "web v1, probed by berth");
    await startDaemon();
    await converged(v1);
    const oldMains = new Map((await webMains()).map((c) => [c.Id, c.Labels["berth.slot"]!]));
    assert.equal(oldMains.size, 1);

    const t0 = Date.now();
    const events = await recordStops(bed.hosts, owner, t0 - 1000);
    try {
      const args = `  command: [sh, -c]\n  args: [${JSON.stringify(SLOW_START)}]`;
      const v2 = push({ "web.yaml": serviceYaml({ name: "web", image: TOOLBOX, replicas: 1, extra: `${args}\n${PROBE}` }) }, "web v2: answers its probe after 8 s");
      const unfinished = await until("a running v2 pod on an engine", async () => (await webMains()).find((c) => c.Image === TOOLBOX && c.State === "running"), 30_000);
      await killDaemon();
      const killedAt = Date.now();
      assert.equal(await servingSince(engineClient(unfinished.host), unfinished.Id), undefined, "killed before the new pod could answer its probe");
      await startDaemon();
      const restartedAt = Date.now();
      await converged(v2);

      const mains = await webMains();
      assert.deepEqual(mains.map((c) => [c.Labels["berth.slot"], c.Image, c.State]).sort(), [["0", TOOLBOX, "running"]], "web ends on v2 with exactly one pod for its slot");
      const at = (ms: number | undefined) => (ms === undefined ? "never" : `t0+${ms - t0} ms`);
      console.log(`      kill -9 at ${at(killedAt)}, restarted at ${at(restartedAt)}; the pod running at the kill (slot ${unfinished.Labels["berth.slot"]}) was ${mains.some((c) => c.Id === unfinished.Id) ? "kept" : "removed"}`);
      for (const survivor of mains) {
        const slot = survivor.Labels["berth.slot"]!;
        // Waited for: the pod kept after a restart may come to answer only later, and the failure says when.
        const serving = await until(`slot ${slot}'s v2 pod answering`, () => servingSince(engineClient(survivor.host), survivor.Id), 15_000).catch(() => undefined);
        const old = [...events.stops.values()].filter((e) => oldMains.get(e.id) === slot);
        assert.equal(old.length, 1, `the old pod of slot ${slot} was stopped once (${old.length} stops seen)`);
        console.log(`      slot ${slot}: old pod stopped at ${at(old[0]!.at)}; its v2 pod answered /healthz from ${at(serving)}`);
        assert.ok(serving !== undefined && old[0]!.at >= serving, `slot ${slot}: the old pod stopped at ${at(old[0]!.at)}, before its new pod answered its probe (${at(serving)})`);
      }
    } finally {
      events.close();
    }
  });
});
