/**
 * `berth validate --format github`: each diagnostic as a GitHub Actions
 * annotation, escaped the way the runner unescapes it.
 */
import assert from "node:assert/strict";
import { formatGithubAnnotation, type Diagnostic } from "../../../reconciler/load/diagnostic.ts";

const base: Diagnostic = { file: "services/web.yaml", line: 12, col: 17, severity: "error", code: "schema", message: "must be >= 0", path: "spec.rollout.maxSurge" };

const cases: { name: string; d: Diagnostic; want: string }[] = [
  { name: "an error, with its JSON path", d: base, want: "::error file=services/web.yaml,line=12,col=17::must be >= 0 (at spec.rollout.maxSurge)" },
  { name: "a warning", d: { ...base, severity: "warning" }, want: "::warning file=services/web.yaml,line=12,col=17::must be >= 0 (at spec.rollout.maxSurge)" },
  { name: "a whole-file diagnostic has no (at …)", d: { ...base, path: "", message: "not UTF-8" }, want: "::error file=services/web.yaml,line=12,col=17::not UTF-8" },
  { name: "%, CR and LF in the message are escaped; : and , are not", d: { ...base, path: "", message: "100% full,\r\nsee: docs" }, want: "::error file=services/web.yaml,line=12,col=17::100%25 full,%0D%0Asee: docs" },
  { name: "the JSON path is part of the message, escaped with it", d: { ...base, path: 'env["A%B"]' }, want: '::error file=services/web.yaml,line=12,col=17::must be >= 0 (at env["A%25B"])' },
  { name: "%, CR, LF, : and , in the file name are escaped", d: { ...base, file: "C:/a,b%\n.yaml" }, want: "::error file=C%3A/a%2Cb%25%0A.yaml,line=12,col=17::must be >= 0 (at spec.rollout.maxSurge)" },
];

describe("formatGithubAnnotation", () => {
  for (const c of cases) it(c.name, () => assert.equal(formatGithubAnnotation(c.d), c.want));
});
