/**
 * `npm run demo`: brings up the test bed (3 Docker engines, a registry, a
 * git server), publishes `examples-repo/` as a git repository on the bed's
 * git server, and lets berth converge the fleet onto the engines: validate,
 * plan, apply, then plan again to show it in sync.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { bedUp } from "../testbed/bed.ts";
import { repoRoot } from "../testbed/layout.ts";

const env = {
  ...process.env,
  // api's secretEnv refers to this variable; a real fleet sets it from a secret store.
  BERTH_DEMO_API_TOKEN: process.env.BERTH_DEMO_API_TOKEN ?? "demo-token-not-a-real-secret",
  BERTH_STATE_DIR: process.env.BERTH_STATE_DIR ?? path.join(repoRoot, ".berth"),
};

function berth(...args: string[]): number {
  console.log(`\n$ berth ${args.join(" ")}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(repoRoot, "reconciler/cli/main.ts"), ...args], { cwd: repoRoot, stdio: "inherit", env });
  return r.status ?? 1;
}

const r = await bedUp({ log: (l) => console.log(`bed: ${l}`) });
console.log(`bed: up in ${r.ms} ms — engines ${r.layout.hosts.map((h) => `${h.name}=${h.ip}`).join(", ")}; registry ${r.layout.registry.addr}; git ${r.layout.git.url}`);

// Publish examples-repo/ as the fleet repository, as a team would push it.
const bare = path.join(r.layout.git.reposDir, "demo", "fleet.git");
const work = mkdtempSync(path.join(os.tmpdir(), "berth-demo-"));
try {
  cpSync(path.join(repoRoot, "examples-repo"), work, { recursive: true });
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=berth demo", "-c", "user.email=demo@example.invalid", ...args], { cwd: work, stdio: "pipe" });
  rmSync(bare, { recursive: true, force: true });
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("commit", "-q", "-m", "examples-repo: the demo fleet");
  git("push", "-q", bare, "main");
} finally {
  rmSync(work, { recursive: true, force: true });
}
const repo = `${r.layout.git.url}/demo/fleet.git`;
console.log(`demo: examples-repo/ published at ${repo}`);

let failed = 0;
failed += berth("validate", "--repo", repo);
failed += berth("plan", "--repo", repo);
failed += berth("apply", "--repo", repo);
failed += berth("plan", "--repo", repo, "--detailed-exitcode");

console.log(
  `\nThe fleet runs on the bed's engines: try \`docker -H unix://${r.layout.hosts[0]!.socket} ps\`.\n` +
    "Edit examples-repo/ and run `npm run demo` again to see a rolling update; `npm run bed:down` stops everything.\n" +
    "Not built yet: the daemon (`berth run`), `berth status` and `berth history` (issue 7).",
);
process.exitCode = failed === 0 ? 0 : 1;
