/**
 * Rollout benchmark (issue 6): the v1 → v2 rolling update of 6 replicas
 * across the bed's 3 engines with parallelism 2 (maxSurge 2), timed, next to
 * the engines' own cost for the same containers measured in the same run:
 * create+start, and create+start until /healthz answers.
 *
 *   npx tsx bench/rollout.ts [rounds=3]
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type Docker from "dockerode";
import pLimit from "p-limit";
import { bedUp } from "../testbed/bed.ts";
import { engineClient, pullImage } from "../testbed/engines.ts";
import { FleetDir } from "../test/support/fleet-dir.ts";
import { applyDir } from "../test/support/reconcile.ts";
import { removeOwnerContainers } from "../test/support/bed.ts";

const rounds = Number(process.argv[2] ?? 3);
const { layout: bed } = await bedUp();
// The floor measures create+start, not pulls: every engine has the images first.
await Promise.all(bed.hosts.flatMap((h) => ["app:v1", "app:v2"].map((t) => pullImage(h, `127.0.0.1:5000/berth/${t}`))));
const owner = `bench-rollout-${randomBytes(3).toString("hex")}`;
const fleet = new FleetDir(bed);
const SPEC = "  health:\n    http:\n      path: /healthz\n      port: http\n  placement:\n    distinctHosts: false\n  rollout:\n    maxSurge: 2\n    maxUnavailable: 0";
const write = (tag: string) => fleet.write([{ name: "web", image: `127.0.0.1:5000/berth/app:${tag}`, replicas: 6, extra: SPEC }]);

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
  });
}

/** The floor: 6 containers of app:v2, 2 at a time, spread over the engines — create+start, and until /healthz answers. */
async function floor(): Promise<{ startMs: number; healthyMs: number }> {
  const engines: Docker[] = bed.hosts.map((h) => engineClient(h));
  const limit = pLimit(2);
  const made: { docker: Docker; id: string }[] = [];
  let startMs = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      limit(async () => {
        const docker = engines[i % 3]!;
        const host = bed.hosts[i % 3]!;
        const s = performance.now();
        const c = await docker.createContainer({ Image: "127.0.0.1:5000/berth/app:v2", Labels: { "bench.floor": owner }, ExposedPorts: { "8080/tcp": {} }, HostConfig: { PortBindings: { "8080/tcp": [{ HostPort: "" }] } } });
        await c.start();
        startMs += performance.now() - s;
        made.push({ docker, id: c.id });
        const port = (await c.inspect()).NetworkSettings.Ports["8080/tcp"]![0]!.HostPort;
        while (!(await healthy(`http://${host.ip}:${port}/healthz`))) await new Promise((r) => setTimeout(r, 50));
      }),
    ),
  );
  const healthyMs = performance.now() - t0;
  await Promise.all(made.map((m) => m.docker.getContainer(m.id).remove({ force: true })));
  return { startMs: startMs / 2, healthyMs };
}

const results: { berth: number; floorStart: number; floorHealthy: number }[] = [];
try {
  await applyDir(write("v1"), owner);
  for (let r = 0; r < rounds; r++) {
    const f = await floor();
    const t0 = performance.now();
    const { result } = await applyDir(write("v2"), owner);
    const ms = performance.now() - t0;
    if (!result.ok) throw new Error(`rollout failed: ${JSON.stringify(result)}`);
    results.push({ berth: ms, floorStart: f.startMs, floorHealthy: f.healthyMs });
    await applyDir(write("v1"), owner);
  }
} finally {
  await removeOwnerContainers(bed, owner);
  fleet.remove();
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const b = med(results.map((r) => r.berth));
const fs = med(results.map((r) => r.floorStart));
const fh = med(results.map((r) => r.floorHealthy));
console.log(`rolling update app:v1 → app:v2, 6 replicas on 3 engines, maxSurge 2, ${rounds} rounds (median):`);
console.log(`  berth plan + apply (observe, schedule, diff, pull check, launch, health gate, stop and remove old): ${b.toFixed(0)} ms`);
console.log(`  engines' floor, create+start of 6 containers 2 at a time: ${fs.toFixed(0)} ms`);
console.log(`  engines' floor, create+start until /healthz answers: ${fh.toFixed(0)} ms`);
console.log(`  berth's overhead over the healthy floor: ${(b - fh).toFixed(0)} ms (${((b / fh - 1) * 100).toFixed(0)}%) — it also stops and removes the 6 old pods, which the floor does not`);
