/**
 * The published schemas: they compile (ahead of time), and every field carries a
 * description so editors can show help while users type.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { COMPILED_SCHEMAS, compiledSchemasSource } from "../../../reconciler/load/compile-schemas.ts";
import { documentValidators, SCHEMAS } from "../../../reconciler/load/schema.ts";

type Schema = Record<string, unknown>;

/** Resolves a `$ref` within the published schemas (`file#/$defs/x` or `#/$defs/x`). */
function resolveRef(ref: string, current: Schema): Schema | undefined {
  const [file, pointer = ""] = ref.split("#");
  const base = file === "" ? current : Object.values(SCHEMAS).find((s) => (s as { $id: string }).$id.endsWith(`/${file}`));
  let node: unknown = base;
  for (const part of pointer.split("/").filter((p) => p !== "")) node = (node as Schema | undefined)?.[part];
  return node as Schema | undefined;
}

function hasDescription(schema: Schema, root: Schema): boolean {
  if (typeof schema["description"] === "string") return true;
  if (typeof schema["$ref"] === "string") {
    const target = resolveRef(schema["$ref"], root);
    return target !== undefined && hasDescription(target, root);
  }
  return false;
}

/** Every `properties` entry anywhere in `schema`, with a readable location. */
function properties(schema: unknown, where: string, out: [string, Schema][] = []): [string, Schema][] {
  if (schema === null || typeof schema !== "object") return out;
  const s = schema as Schema;
  if (s["properties"] !== undefined && typeof s["properties"] === "object") {
    for (const [name, prop] of Object.entries(s["properties"] as Schema)) out.push([`${where}.${name}`, prop as Schema]);
  }
  for (const [key, value] of Object.entries(s)) {
    if (key === "if") continue; // `if` branches only test values; they declare no fields
    if (value !== null && typeof value === "object") properties(value, `${where}/${key}`, out);
  }
  return out;
}

describe("published schemas", () => {
  it("compile with ajv (draft 2020-12, strict), ahead of time: compiled-schemas.ts is exactly what they compile to now (run `npm run schemas:compile` after changing one)", () => {
    assert.equal(readFileSync(COMPILED_SCHEMAS, "utf8"), compiledSchemasSource(), "reconciler/load/compiled-schemas.ts is stale: run `npm run schemas:compile`");
    const a = documentValidators();
    for (const kind of ["Host", "Service", "Job", "Template", "Policy", "any"] as const) assert.equal(typeof a[kind], "function");
  });

  it("are draft 2020-12 with an $id", () => {
    for (const [name, schema] of Object.entries(SCHEMAS)) {
      assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema", name);
      assert.match(schema.$id, /^https:\/\/berth\.dev\/schemas\/v1\/[a-z]+\.schema\.json$/, name);
    }
  });

  it("describe every field", () => {
    const missing: string[] = [];
    let checked = 0;
    for (const [name, schema] of Object.entries(SCHEMAS)) {
      for (const [where, prop] of properties(schema, name)) {
        checked++;
        if (!hasDescription(prop, schema as Schema)) missing.push(where);
      }
    }
    assert.deepEqual(missing, []);
    assert.ok(checked > 100, `only ${checked} fields were checked; the walk is missing some`);
  });
});
