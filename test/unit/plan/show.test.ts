/**
 * `berth show PLAN.json` as a user runs it: output, errors and exit code.
 */
import { runCli } from "../../support/capture-cli.ts";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runShow } from "../../../reconciler/cli/show.ts";
import { formatPlanMarkdown } from "../../../reconciler/plan/format-markdown.ts";
import { formatPlanText } from "../../../reconciler/plan/format-text.ts";
import { samplePlan } from "./plan-fixtures.ts";

/** Runs `fn` with stdout and stderr captured, and without colour whatever the terminal. */
const capture = (fn: () => number) => runCli(fn);

describe("berth show", () => {
  let dir: string;
  let saved: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "berth-show-"));
    saved = join(dir, "plan.json");
    writeFileSync(saved, `${JSON.stringify(samplePlan(), null, 2)}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const formats: { format: string | undefined; want: () => string }[] = [
    { format: undefined, want: () => formatPlanText(samplePlan()) },
    { format: "text", want: () => formatPlanText(samplePlan()) },
    { format: "markdown", want: () => formatPlanMarkdown(samplePlan()) },
    { format: "json", want: () => `${JSON.stringify(samplePlan())}\n` },
  ];
  for (const f of formats) {
    it(`prints a saved plan ${f.format ? `with --format ${f.format}` : "as text by default"}, and exits 0`, async () => {
      const r = await capture(() => runShow(saved, f.format ? { format: f.format } : {}));
      assert.deepEqual(r, { code: 0, out: f.want(), err: "" });
    });
  }

  it("starts the text with the plan's header and its incomplete notice", async () => {
    const r = await capture(() => runShow(saved, { format: "text" }));
    assert.deepEqual(r.out.split("\n").slice(0, 2), [
      "Plan for commit 8c09f93c1397 (owner http://git.example.com/fleet.git), made 2026-11-22T00:00:00.000Z",
      'Incomplete: 1 of 3 hosts not observed (h3: host "h3" at tcp://127.0.0.3:2375 cannot be reached: connect ECONNREFUSED 127.0.0.3:2375). Slots that may run there are unknown; nothing is done for them.',
    ]);
  });

  const refusals: { name: string; file: () => string; err: (file: string) => RegExp | string }[] = [
    {
      name: "a missing file",
      file: () => join(dir, "missing.json"),
      err: (f) => `berth show: cannot read the saved plan ${f}: ENOENT: no such file or directory, open '${f}'\n`,
    },
    {
      name: "a file that is not JSON",
      file: () => {
        const f = join(dir, "notes.txt");
        writeFileSync(f, "apiVersion: berth/v1\n");
        return f;
      },
      err: (f) => new RegExp(`^berth show: cannot read the saved plan ${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: Unexpected token .*\n$`),
    },
    {
      name: "JSON that is not a plan",
      file: () => {
        const f = join(dir, "status.json");
        writeFileSync(f, JSON.stringify({ apiVersion: "berth/v1", kind: "Status", services: [] }));
        return f;
      },
      err: (f) => `berth show: ${f} is not a berth plan (expected apiVersion berth/v1, kind Plan, as \`berth plan --out\` writes it)\n`,
    },
  ];
  for (const c of refusals) {
    it(`refuses ${c.name} on stderr and exits 1`, async () => {
      const file = c.file();
      const r = await capture(() => runShow(file, { format: "text" }));
      assert.equal(r.code, 1);
      assert.equal(r.out, "");
      const want = c.err(file);
      if (typeof want === "string") assert.equal(r.err, want);
      else assert.match(r.err, want);
    });
  }

  it("refuses a format it does not know", async () => {
    const r = await capture(() => runShow(saved, { format: "yaml" }));
    assert.deepEqual(r, { code: 1, out: "", err: 'berth show: unknown format "yaml"; use text, markdown or json\n' });
  });
});
