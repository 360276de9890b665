/**
 * The one rule for colour (cli/use-color.ts): the plan, apply's progress and
 * the daemon's log all ask it.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { useColor } from "../../../reconciler/cli/use-color.ts";
import { samplePlan } from "../plan/plan-fixtures.ts";

const TTY = { isTTY: true };
const PIPE = { isTTY: false };

const cases: { name: string; stream: { isTTY?: boolean }; env: NodeJS.ProcessEnv; want: boolean }[] = [
  { name: "a terminal, NO_COLOR unset: colour", stream: TTY, env: {}, want: true },
  { name: "a terminal, NO_COLOR=1: none", stream: TTY, env: { NO_COLOR: "1" }, want: false },
  { name: "a terminal, NO_COLOR=0: none (any non-empty value)", stream: TTY, env: { NO_COLOR: "0" }, want: false },
  { name: "a terminal, NO_COLOR empty: colour (no-color.org: only a non-empty value counts)", stream: TTY, env: { NO_COLOR: "" }, want: true },
  { name: "a pipe: none", stream: PIPE, env: {}, want: false },
  { name: "a stream that says nothing of a terminal: none", stream: {}, env: {}, want: false },
  { name: "a dumb terminal: none", stream: TTY, env: { TERM: "dumb" }, want: false },
];

describe("useColor", () => {
  for (const c of cases) it(c.name, () => assert.equal(useColor(c.stream, c.env), c.want));
});

describe("berth --no-color and NO_COLOR, on a terminal", () => {
  const root = resolve(import.meta.dirname, "..", "..", "..");
  const cli = join(root, "reconciler", "cli", "main.ts");
  let dir: string;
  let saved: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "berth-color-"));
    saved = join(dir, "plan.json");
    writeFileSync(saved, `${JSON.stringify(samplePlan(), null, 2)}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // util-linux `script` gives the command a terminal, so only the flag and the variable can turn colour off.
  const cases: { name: string; args: (plan: string) => string[]; env: Record<string, string>; tty: boolean; color: boolean }[] = [
    { name: "a terminal: coloured", args: (p) => ["show", p], env: {}, tty: true, color: true },
    { name: "--no-color before the subcommand: plain", args: (p) => ["--no-color", "show", p], env: {}, tty: true, color: false },
    { name: "--no-color after it: plain", args: (p) => ["show", p, "--no-color"], env: {}, tty: true, color: false },
    { name: "NO_COLOR=1: plain", args: (p) => ["show", p], env: { NO_COLOR: "1" }, tty: true, color: false },
    { name: "NO_COLOR empty: coloured", args: (p) => ["show", p], env: { NO_COLOR: "" }, tty: true, color: true },
    { name: "a pipe: plain", args: (p) => ["show", p], env: {}, tty: false, color: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const env: NodeJS.ProcessEnv = { ...process.env, TERM: "xterm", ...c.env };
      if (!("NO_COLOR" in c.env)) delete env["NO_COLOR"];
      delete env["FORCE_COLOR"];
      const argv = [process.execPath, "--import", "tsx", cli, ...c.args(saved)];
      const r = c.tty
        ? spawnSync("script", ["-qec", argv.map((a) => `'${a}'`).join(" "), "/dev/null"], { cwd: root, env, encoding: "utf8" })
        : spawnSync(argv[0]!, argv.slice(1), { cwd: root, env, encoding: "utf8" });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /Plan for commit 8c09f93c1397/);
      assert.equal(r.stdout.includes("\u001b["), c.color);
    });
  }
});
