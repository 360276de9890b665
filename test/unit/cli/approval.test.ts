/**
 * Who lets `berth apply` go ahead (--yes, a saved plan, the person at the
 * terminal), and the question it asks: only `yes` is a yes, and the end of
 * input is a no rather than a hang.
 */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { approval } from "../../../reconciler/cli/apply.ts";
import { APPLY_QUESTION, confirmed } from "../../../reconciler/cli/confirm.ts";

describe("berth apply: approval", () => {
  const cases: { name: string; opts: Record<string, unknown>; terminal: boolean; want: "given" | "ask" | RegExp }[] = [
    { name: "on a terminal it asks", opts: {}, terminal: true, want: "ask" },
    { name: "--yes on a terminal does not ask", opts: { yes: true }, terminal: true, want: "given" },
    { name: "--yes without a terminal goes ahead", opts: { yes: true }, terminal: false, want: "given" },
    { name: "a saved plan was reviewed: no question, terminal or not", opts: { plan: "plan.json" }, terminal: false, want: "given" },
    { name: "without a terminal and without --yes it stops, saying what to add", opts: {}, terminal: false, want: /^there is no terminal to confirm on .*add --yes .*or --plan FILE .*nothing was changed\.$/ },
    { name: "--json on a terminal needs --yes too: nobody answers a prompt inside JSON lines", opts: { json: true }, terminal: true, want: /^--json needs --yes or --plan FILE/ },
    { name: "--json --yes goes ahead", opts: { json: true, yes: true }, terminal: false, want: "given" },
    { name: "--json --plan goes ahead", opts: { json: true, plan: "p.json" }, terminal: false, want: "given" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = approval(c.opts, c.terminal);
      if (typeof c.want === "string") assert.equal(got, c.want);
      else {
        assert.ok(typeof got === "object", `a refusal, got ${String(got)}`);
        assert.equal(got.code, "approval-needed");
        assert.match(got.message, c.want);
      }
    });
  }
});

describe("berth apply: the confirmation question", () => {
  const answers: { typed: string; want: boolean }[] = [
    { typed: "yes\n", want: true },
    { typed: "  yes \n", want: true },
    { typed: "y\n", want: false },
    { typed: "YES\n", want: false },
    { typed: "no\n", want: false },
    { typed: "\n", want: false },
    { typed: "", want: false }, // end of input (Ctrl-D, or stdin closed)
  ];
  for (const a of answers) {
    it(`${JSON.stringify(a.typed)} is ${a.want ? "a yes" : "a no"}`, async () => {
      const input = new PassThrough();
      const output = new PassThrough();
      const shown: string[] = [];
      output.on("data", (b: Buffer) => shown.push(b.toString()));
      const answer = confirmed(APPLY_QUESTION, { input, output });
      input.end(a.typed);
      assert.equal(await answer, a.want);
      // At the end of input readline also ends the line, so what apply prints next starts on its own.
      assert.equal(shown.join("").trimEnd(), APPLY_QUESTION.trimEnd());
    });
  }
});
