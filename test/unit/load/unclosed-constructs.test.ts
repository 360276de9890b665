/**
 * An unclosed bracket or quote is reported where it began, with where yaml
 * noticed it in the message. Guards the bug where these errors pointed only
 * at the place they were noticed (the next key, or the end of the file),
 * lines away from the `[`, `{` or quote that needs closing.
 */
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../../reconciler/load/diagnostic.ts";
import { loadFleet } from "../../../reconciler/load/load-fleet.ts";
import { lines } from "./fleet-files.ts";

/** A Service whose line 4 is `  name: <value>`, so the value starts at column 9. */
function webWithName(value: string): string {
  return lines("apiVersion: berth/v1", "kind: Service", "metadata:", `  name: ${value}`, "spec:", "  image: app:v1");
}

const cases: { name: string; content: string; expected: string[] }[] = [
  {
    name: "a flow sequence in a block mapping",
    content: webWithName("[unclosed"),
    expected: ['web.yaml:4:9: error: flow sequence "[" is never closed (noticed at 5:1)'],
  },
  {
    name: "a flow map in a block mapping",
    content: webWithName("{unclosed"),
    expected: ['web.yaml:4:9: error: flow map "{" is never closed (noticed at 5:1)'],
  },
  {
    // The quote runs to the end of the file: that is where it is noticed.
    name: "a double-quoted string",
    content: webWithName('"unclosed'),
    expected: [`web.yaml:4:9: error: double-quoted string '"' is never closed (noticed at 7:1)`],
  },
  {
    name: "a double-quoted string whose last quote is escaped",
    content: webWithName('"unclosed\\"'),
    expected: [`web.yaml:4:9: error: double-quoted string '"' is never closed (noticed at 7:1)`],
  },
  {
    name: "a single-quoted string",
    content: webWithName("'unclosed"),
    expected: [`web.yaml:4:9: error: single-quoted string "'" is never closed (noticed at 7:1)`],
  },
  {
    name: "a flow sequence at the top of the document",
    content: lines("[1, 2"),
    expected: ['web.yaml:1:1: error: flow sequence "[" is never closed (noticed at 2:1)'],
  },
  {
    name: "a flow sequence inside a block sequence",
    content: lines("- [1, 2", "- 3"),
    expected: ['web.yaml:1:3: error: flow sequence "[" is never closed (noticed at 2:1)'],
  },
  {
    name: "two nested sequences, each at its own bracket",
    content: lines("a: [1, [2", "b: 3"),
    expected: ['web.yaml:1:4: error: flow sequence "[" is never closed (noticed at 2:1)', 'web.yaml:1:8: error: flow sequence "[" is never closed (noticed at 2:1)'],
  },
  {
    name: "two sibling sequences, each at its own bracket",
    content: lines("a: [1", "b: [2"),
    expected: ['web.yaml:1:4: error: flow sequence "[" is never closed (noticed at 2:1)', 'web.yaml:2:4: error: flow sequence "[" is never closed (noticed at 3:1)'],
  },
  {
    name: "a quote inside an unclosed flow sequence: both openers",
    content: lines('a: ["x, 1'),
    expected: ['web.yaml:1:4: error: flow sequence "[" is never closed (noticed at 2:1)', `web.yaml:1:5: error: double-quoted string '"' is never closed (noticed at 2:1)`],
  },
  {
    name: "a flow map inside a flow sequence",
    content: lines("a: [1, {b: 2", "c: 3"),
    expected: ['web.yaml:1:4: error: flow sequence "[" is never closed (noticed at 2:1)', 'web.yaml:1:8: error: flow map "{" is never closed (noticed at 2:1)'],
  },
  {
    // Passes on the old code too: it guards against re-pointing errors that are about no opener.
    name: "other syntax errors keep their message and position",
    content: lines("a: 1", "a: 2"),
    expected: ["web.yaml:2:1: error: YAML syntax: Map keys must be unique"],
  },
];

describe("unclosed brackets and quotes", () => {
  for (const c of cases) {
    it(c.name, () => {
      const result = loadFleet({ files: [{ path: "web.yaml", content: c.content }] });
      assert.deepEqual(result.diagnostics.map((d) => formatDiagnostic(d)), c.expected);
      assert.deepEqual(result.diagnostics.map((d) => d.code), c.expected.map(() => "yaml-syntax"));
    });
  }
});
