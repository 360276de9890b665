/** Compose interpolation, case by case from the specification. */
import assert from "node:assert/strict";
import { interpolate } from "../../../reconciler/import/interpolate.ts";

const env: Record<string, string> = { TAG: "1.4", EMPTY: "", HOST: "db", NESTED: "x" };
const lookup = (name: string) => env[name];

const cases: { name: string; text: string; value?: string; unset?: string[]; error?: string; offset?: number }[] = [
  { name: "no variables", text: "plain", value: "plain" },
  { name: "braced", text: "app:${TAG}", value: "app:1.4" },
  { name: "unbraced", text: "app:$TAG-x", value: "app:1.4-x" },
  { name: "unset becomes empty, and is reported", text: "a${NOPE}b", value: "ab", unset: ["NOPE"] },
  { name: ":- on unset", text: "${NOPE:-d}", value: "d" },
  { name: ":- on empty", text: "${EMPTY:-d}", value: "d" },
  { name: "- on empty keeps empty", text: "${EMPTY-d}", value: "" },
  { name: "- on unset", text: "${NOPE-d}", value: "d" },
  { name: "nested default", text: "${NOPE:-${HOST}:5432}", value: "db:5432" },
  { name: ":+ when set", text: "${TAG:+on}", value: "on" },
  { name: ":+ when unset", text: "${NOPE:+on}", value: "" },
  { name: "$$ is a literal $", text: "$$HOME and $${TAG}", value: "$HOME and ${TAG}" },
  { name: "a lone $ stays", text: "costs 5$ or $ 3", value: "costs 5$ or $ 3" },
  { name: ":? set", text: "${TAG:?needed}", value: "1.4" },
  { name: ":? unset", text: "x ${NOPE:?set NOPE in .env}", error: "required variable NOPE is not set: set NOPE in .env", offset: 2 },
  { name: ":? empty", text: "${EMPTY:?must not be empty}", error: "required variable EMPTY is empty: must not be empty", offset: 0 },
  { name: "? on empty is fine", text: "${EMPTY?x}", value: "" },
  { name: "? unset without message", text: "${NOPE?}", error: "required variable NOPE is not set", offset: 0 },
  { name: "unclosed", text: "${TAG", error: '"${" is never closed with "}"; write $$ for a literal $', offset: 0 },
  { name: "not a name", text: "${1x}", error: '"${1x}" does not start with a variable name (letters, digits and _)', offset: 0 },
];

describe("import: interpolate", () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = interpolate(c.text, lookup);
      if (c.error !== undefined) {
        assert.deepEqual(r, { ok: false, offset: c.offset, message: c.error });
      } else {
        assert.deepEqual(r, { ok: true, value: c.value, unset: c.unset ?? [] });
      }
    });
  }
});
