/**
 * `berth apply` asks before it changes anything (issue 17), driven as a
 * person drives it: through a real pseudo-terminal made by util-linux's
 * `script`, answering at the prompt once it is shown. "no" leaves the bed's
 * engines and the deployment record untouched and exits 1; "yes" applies.
 * Without a terminal, apply without --yes stops before it reads anything.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { recordFile } from "../../../reconciler/record/deployed-record.ts";
import { removeOwnerContainers, useBed } from "../../support/bed.ts";
import { FleetDir } from "../../support/fleet-dir.ts";
import { engineClient } from "../../../testbed/engines.ts";
import { repoRoot, type BedLayout } from "../../../testbed/layout.ts";

const MAIN = path.join(repoRoot, "reconciler/cli/main.ts");
const QUESTION = "Apply these changes? Only 'yes' is accepted: ";

/** `s` quoted for sh. */
const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs berth on a pseudo-terminal (`script -qec CMD /dev/null`) and types
 * `answer` once the question is on the screen. Fails if the question never
 * comes within `ms`.
 */
function onTerminal(args: readonly string[], answer: string, ms = 60_000): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, "--import", "tsx", MAIN, ...args].map(sh).join(" ");
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: repoRoot, env: { ...process.env, NO_COLOR: "1" }, stdio: ["pipe", "pipe", "pipe"] });
    let screen = "";
    let answered = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no question within ${ms} ms; the screen so far:\n${screen}`));
    }, ms);
    const read = (b: Buffer) => {
      screen += b.toString();
      if (!answered && screen.includes(QUESTION)) {
        answered = true;
        child.stdin.write(`${answer}\n`);
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

/** berth with stdin and stdout as pipes: no terminal. */
function withoutTerminal(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ["--import", "tsx", MAIN, ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: "1" } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

/** This owner's main containers on the bed, as `host slot`. */
async function containers(bed: BedLayout, owner: string): Promise<string[]> {
  const lists = await Promise.all(bed.hosts.map(async (h) => (await engineClient(h).listContainers({ all: true, filters: { label: [`berth.owner=${owner}`, "berth.container=main"] } })).map((c) => `${h.name} ${c.Labels["berth.slot"]}`)));
  return lists.flat().sort();
}

describe("berth apply asks on a terminal", function () {
  this.timeout(120_000);
  let bed: BedLayout;
  let fleet: FleetDir;
  let state: string;
  let dir: string;
  const owner = `test-confirm-${process.pid}-${Date.now()}`;
  const common = () => [dir, "--owner", owner, "--state-dir", state];

  before(async function () {
    bed = await useBed(this);
    fleet = new FleetDir(bed);
    dir = fleet.write([{ name: "hello", replicas: 1, extra: "  rollout:\n    monitor: 0s" }]);
    state = mkdtempSync(path.join(os.tmpdir(), "berth-confirm-"));
    await removeOwnerContainers(bed, owner);
  });
  after(async () => {
    if (bed) await removeOwnerContainers(bed, owner);
    fleet?.remove();
    if (state) rmSync(state, { recursive: true, force: true });
  });

  it("without a terminal and without --yes: exit 1, says to add --yes or --plan FILE, creates nothing", async function () {
    const r = await withoutTerminal(["apply", ...common()]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.stdout, "", "not even the plan: it stops before reading anything");
    assert.match(r.stderr, /^berth apply: there is no terminal to confirm on .*add --yes .*or --plan FILE .*nothing was changed\.\n$/);
    assert.deepEqual(await containers(bed, owner), []);
    assert.equal(existsSync(recordFile(state, owner)), false, "no deployment record");
  });

  it("answering no: the plan is shown, then the question; exit 1, no container, no record", async function () {
    const r = await onTerminal(["apply", ...common()], "no");
    assert.equal(r.code, 1, r.screen);
    assert.match(r.screen, /hello/, "the plan names the service");
    assert.ok(r.screen.indexOf("hello") < r.screen.indexOf(QUESTION), `the plan comes before the question:\n${r.screen}`);
    assert.match(r.screen, /Apply cancelled; nothing was changed\./);
    assert.deepEqual(await containers(bed, owner), [], "no berth container was created");
    assert.equal(existsSync(recordFile(state, owner)), false, "no deployment record was written");
  });

  it("answering yes: applies, exit 0, the one replica runs", async function () {
    const r = await onTerminal(["apply", ...common()], "yes");
    assert.equal(r.code, 0, r.screen);
    assert.match(r.screen, /converged/);
    assert.equal((await containers(bed, owner)).length, 1, r.screen);
    assert.equal(existsSync(recordFile(state, owner)), true, "the record was written");
  });

  it("in sync: nothing to confirm, exit 0 without a question", async function () {
    const r = await onTerminal(["apply", ...common()], "no", 60_000);
    assert.equal(r.code, 0, r.screen);
    assert.ok(!r.screen.includes(QUESTION), r.screen);
    assert.match(r.screen, /in sync with the source; nothing to do/);
  });
});
