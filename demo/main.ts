/**
 * `npm run demo`: brings up the test bed (3 Docker engines, a registry, a
 * git server), publishes `examples-repo/` as a git repository on the bed's
 * git server, and lets berth converge the fleet onto the engines:
 *
 *   1. `berth validate` and `berth plan` — what a pull request would show;
 *   2. `berth run` — the daemon converges the fleet; `berth status` shows it;
 *   3. a commit moves `web` to app:v2 — a rolling update, shown by status;
 *   4. `git revert` of that commit — web returns to app:v1;
 *   5. `berth plan --detailed-exitcode` (in sync) and `berth history`.
 *
 * The daemon is stopped with SIGTERM at the end; the containers stay up
 * until `npm run bed:down`.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DaemonStatus } from "../reconciler/loop/status.ts";
import { bedUp } from "../testbed/bed.ts";
import { PROXY_IMAGE } from "../testbed/images.ts";
import { repoRoot } from "../testbed/layout.ts";

const LISTEN = process.env.BERTH_DEMO_LISTEN ?? "127.0.0.1:9470";
const stateDir = process.env.BERTH_STATE_DIR ?? path.join(repoRoot, ".berth");
// The operator's choice of proxy image for exposed services: the bed's HAProxy (no public registry is reachable here).
const operatorConfig = path.join(stateDir, "demo-operator.yaml");
const env = {
  ...process.env,
  BERTH_CONFIG: operatorConfig,
  // api's secretEnv refers to this variable; a real fleet sets it from a secret store.
  BERTH_SECRET_DEMO_API_TOKEN: process.env.BERTH_SECRET_DEMO_API_TOKEN ?? "demo-token-not-a-real-secret",
  BERTH_STATE_DIR: stateDir,
};
const cli = [path.join(repoRoot, "reconciler/cli/main.ts")];

function berth(...args: string[]): number {
  console.log(`\n$ berth ${args.join(" ")}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", ...cli, ...args], { cwd: repoRoot, stdio: "inherit", env });
  return r.status ?? 1;
}

async function daemonStatus(): Promise<DaemonStatus | undefined> {
  try {
    const res = await fetch(`http://${LISTEN}/status`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? ((await res.json()) as DaemonStatus) : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until the daemon has applied `sha` and every service is healthy; prints what it waits for. */
async function convergedTo(sha: string, daemon: ChildProcess, withinMs = 180_000): Promise<void> {
  const t0 = Date.now();
  let last = "";
  while (Date.now() - t0 < withinMs) {
    if (daemon.exitCode !== null) throw new Error(`berth run exited (${daemon.exitCode}); see ${daemonLog}`);
    const s = await daemonStatus();
    const line = !s ? "waiting for berth run to answer" : s.services.length === 0 ? "first pass in progress" : s.services.map((x) => `${x.name} ${x.ready}/${x.desired} ${x.health}`).join(", ");
    if (line !== last) console.log(`  … ${line}`);
    last = line;
    if (s?.held.some((h) => h.commit === sha)) throw new Error(`commit ${sha.slice(0, 12)} was rolled back: ${s.held.find((h) => h.commit === sha)!.reason}`);
    if (s?.source.commitApplied === sha && s.services.every((x) => x.health === "healthy")) {
      console.log(`  converged to ${sha.slice(0, 12)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`not converged to ${sha.slice(0, 12)} within ${withinMs / 1000} s; see ${daemonLog}`);
}

/** web is exposed on 18080: every host answers there and balances over the replicas on all hosts. */
async function askExposed(ips: readonly string[]): Promise<number> {
  let failures = 0;
  for (const ip of ips) {
    console.log(`\n$ curl http://${ip}:18080/   (three times)`);
    for (let i = 0; i < 3; i++) {
      try {
        const res = await fetch(`http://${ip}:18080/`, { signal: AbortSignal.timeout(2000) });
        console.log(`  ${(await res.text()).trim()}`);
      } catch (err) {
        console.log(`  failed: ${err instanceof Error ? err.message : String(err)}`);
        failures++;
      }
    }
  }
  return failures > 0 ? 1 : 0;
}

const r = await bedUp({ log: (l) => console.log(`bed: ${l}`) });
console.log(`bed: up in ${r.ms} ms — engines ${r.layout.hosts.map((h) => `${h.name}=${h.ip}`).join(", ")}; registry ${r.layout.registry.addr}; git ${r.layout.git.url}`);

// Publish examples-repo/ as the fleet repository, as a team would push it.
const bare = path.join(r.layout.git.reposDir, "demo", "fleet.git");
const work = mkdtempSync(path.join(os.tmpdir(), "berth-demo-"));
const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=berth demo", "-c", "user.email=demo@example.invalid", ...args], { cwd: work, stdio: "pipe" }).toString().trim();
cpSync(path.join(repoRoot, "examples-repo"), work, { recursive: true });
rmSync(bare, { recursive: true, force: true });
execFileSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
git("init", "-q", "-b", "main");
git("add", ".");
git("commit", "-q", "-m", "examples-repo: the demo fleet");
git("push", "-q", bare, "main");
const repo = `${r.layout.git.url}/demo/fleet.git`;
console.log(`demo: examples-repo/ published at ${repo}`);

mkdirSync(stateDir, { recursive: true });
writeFileSync(operatorConfig, `apiVersion: berth/v1\nkind: OperatorConfig\ntraffic:\n  proxyImage: ${PROXY_IMAGE}\n`);
const daemonLog = path.join(stateDir, "demo-daemon.log");
let daemon: ChildProcess | undefined;
let failed = 0;
try {
  failed += berth("validate", "--repo", repo);
  failed += berth("plan", "--repo", repo);

  console.log(`\n$ berth run --repo ${repo} --interval 2s --listen ${LISTEN}   (in the background; its JSON log goes to ${path.relative(repoRoot, daemonLog)})`);
  const out = openSync(daemonLog, "w");
  daemon = spawn(process.execPath, ["--import", "tsx", ...cli, "run", "--repo", repo, "--interval", "2s", "--listen", LISTEN], { cwd: repoRoot, env, stdio: ["ignore", out, out] });
  await convergedTo(git("rev-parse", "HEAD"), daemon);
  failed += berth("status", "--listen", LISTEN);
  failed += await askExposed(r.layout.hosts.map((h) => h.ip));

  console.log("\n$ git commit -m 'web: app v2'   (web's image app:v1 → app:v2) && git push");
  const web = path.join(work, "services", "web.yaml");
  writeFileSync(web, readFileSync(web, "utf8").replace("berth/app:v1", "berth/app:v2"));
  git("commit", "-q", "-am", "web: app v2");
  git("push", "-q", bare, "main");
  await convergedTo(git("rev-parse", "HEAD"), daemon);
  failed += berth("status", "--listen", LISTEN);

  console.log("\n$ git revert --no-edit HEAD && git push   (roll back by reverting the deploy commit)");
  git("revert", "--no-edit", "HEAD");
  git("push", "-q", bare, "main");
  await convergedTo(git("rev-parse", "HEAD"), daemon);
  failed += berth("status", "--listen", LISTEN);

  failed += berth("plan", "--repo", repo, "--detailed-exitcode");
  failed += berth("history");
} catch (err) {
  console.error(`\ndemo: ${err instanceof Error ? err.message : String(err)}`);
  failed += 1;
} finally {
  if (daemon && daemon.exitCode === null) {
    const d = daemon;
    const code = await new Promise<number | null>((resolve) => {
      d.once("exit", resolve);
      d.kill("SIGTERM");
    });
    console.log(`\nberth run stopped on SIGTERM (exit ${code}).`);
  }
  rmSync(work, { recursive: true, force: true });
}

console.log(
  `\nThe fleet runs on the bed's engines: try \`docker -H unix://${r.layout.hosts[0]!.socket} ps\`.\n` +
    "Edit examples-repo/ and run `npm run demo` again to see a rolling update; `npm run bed:down` stops everything.",
);
process.exitCode = failed === 0 ? 0 : 1;
