/**
 * The operator's trust boundary through `berth run` on the bed: a commit
 * that asks for a secret outside the operator's rules, a plain-TCP engine
 * off loopback, or a bind mount beyond the ceiling is refused at load time.
 * Nothing is created on any engine, and /status shows the diagnostic with
 * its file and line. Guards the holes reproduced before the operator
 * configuration: the container received the reconciler's /etc/shadow or
 * its BERTH_GIT_TOKEN; an engine of the committer's received every secret;
 * the committer's own Policy granted a bind mount of `/`.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { useBed } from "../../support/bed.ts";
import { DaemonProcess, get, sleep } from "../../support/daemon-harness.ts";
import { hostsYaml, serviceYaml } from "../../support/fleet-dir.ts";
import { engineClient } from "../../../testbed/engines.ts";
import type { BedLayout } from "../../../testbed/layout.ts";
import type { DaemonStatus } from "../../../reconciler/loop/status.ts";

const cases: { name: string; files: (bed: BedLayout) => Record<string, string>; want: RegExp }[] = [
  {
    name: "a secret read from the reconciler's /etc/shadow",
    files: (bed) => ({ "hosts.yaml": hostsYaml(bed), "web.yaml": serviceYaml({ name: "web", replicas: 1, extra: "  secretEnv:\n    - name: X\n      fromFile: /etc/shadow" }) }),
    want: /^web\.yaml:\d+:17: error: secret X: fromFile "\/etc\/shadow" is outside the operator's secrets folder/,
  },
  {
    name: "a secret read from the reconciler's own BERTH_GIT_TOKEN",
    files: (bed) => ({ "hosts.yaml": hostsYaml(bed), "web.yaml": serviceYaml({ name: "web", replicas: 1, extra: "  secretEnv:\n    - name: X\n      fromEnv: BERTH_GIT_TOKEN" }) }),
    want: /^web\.yaml:\d+:16: error: secret X: fromEnv BERTH_GIT_TOKEN is not a variable the operator lets repositories read/,
  },
  {
    name: "an insecure: true engine off loopback",
    files: (bed) => ({
      "hosts.yaml": hostsYaml(bed, "---\napiVersion: berth/v1\nkind: Host\nmetadata:\n  name: theirs\nspec:\n  endpoint: tcp://198.51.100.9:2375\n  insecure: true\n"),
      "web.yaml": serviceYaml({ name: "web", replicas: 1 }),
    }),
    want: /^hosts\.yaml:\d+:3: error: plain TCP to 198\.51\.100\.9 is refused/,
  },
  {
    name: "a bind mount of / granted by the repository's own Policy",
    files: (bed) => ({
      "hosts.yaml": hostsYaml(bed),
      "policy.yaml": "apiVersion: berth/v1\nkind: Policy\nmetadata:\n  name: p\nspec:\n  allowedHostPaths: [/]\n",
      "web.yaml": serviceYaml({ name: "web", replicas: 1, extra: "  volumes:\n    - name: root\n      hostPath: /\n      mountPath: /host" }),
    }),
    want: /^policy\.yaml:6:22: error: the Policy allows bind mounts of "\/", which the operator's ceiling does not/,
  },
];

describe("berth run: the operator's trust boundary on the bed", function () {
  this.timeout(120_000);
  let bed: BedLayout;
  let work: string;
  let daemon: DaemonProcess | undefined;

  before(async function () {
    bed = await useBed(this);
    work = mkdtempSync(path.join(os.tmpdir(), "berth-trust-"));
  });
  afterEach(async () => {
    await daemon?.stop("SIGKILL");
    daemon = undefined;
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  cases.forEach((c, i) => {
    it(`refuses ${c.name}: nothing is created, /status shows the diagnostic`, async function () {
      const repo = path.join(work, `repo-${i}`);
      mkdirSync(repo);
      const g = (...args: string[]) => execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.invalid", ...args], { cwd: repo, encoding: "utf8" });
      g("init", "-q", "-b", "main");
      for (const [p, content] of Object.entries(c.files(bed))) writeFileSync(path.join(repo, p), content);
      g("add", "-A");
      g("commit", "-q", "-m", c.name);
      const owner = `test-trust-${process.pid}-${i}`;
      // The token is set so that a leak would have something to leak; it is not a real one.
      const env = { BERTH_GIT_TOKEN: `not-a-real-token-${process.pid}`, NO_COLOR: "1" };
      const run = new DaemonProcess(["--repo", repo, "--owner", owner, "--listen", "127.0.0.1:0", "--state-dir", path.join(work, `state-${i}`)], env);
      daemon = run;
      const listen = await run.listening;
      let status: DaemonStatus | undefined;
      for (let t = Date.now(); Date.now() - t < 30_000; await sleep(100)) {
        status = JSON.parse(await get(`http://${listen}/status`)) as DaemonStatus;
        if (status.diagnostics.length > 0) break;
      }
      assert.ok(status && status.diagnostics.some((d) => c.want.test(d)), `expected ${c.want} in /status diagnostics:\n${status?.diagnostics.join("\n")}`);
      assert.equal(status!.source.commitApplied, undefined, "the commit was never applied");
      const created = (await Promise.all(bed.hosts.map((h) => engineClient(h).listContainers({ all: true, filters: { label: [`berth.owner=${owner}`] } })))).flat();
      assert.equal(created.length, 0, "nothing was created on any engine");
      assert.ok(!run.log.includes(env.BERTH_GIT_TOKEN), "the token never appears in the daemon's log");
    });
  });
});
