/**
 * Turns ajv's errors into diagnostics people can act on: one per real
 * mistake (the noise of `if`/`oneOf` branches removed), pointing at the
 * field's line and column, quoting the value that is wrong.
 */
import type { ErrorObject } from "ajv/dist/2020.js";
import type { Diagnostic } from "./diagnostic.ts";
import { formatPath } from "./diagnostic.ts";
import type { ParsedDocument, PathSegment } from "./parse-yaml.ts";
import { SCHEMAS } from "./schema.ts";
import { closestName } from "./suggest.ts";

/** Converts the errors of one document's validation into diagnostics. */
export function schemaDiagnostics(doc: ParsedDocument, errors: readonly ErrorObject[]): Diagnostic[] {
  const branching = errors.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf" || e.keyword === "propertyNames");
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // `if` failures only say "the then-branch failed"; the branch's own error says what.
    if (e.keyword === "if") continue;
    // Errors inside a oneOf/anyOf branch are the branch's reasons for not matching; the oneOf error speaks for them.
    if (branching.some((b) => b !== e && b.keyword !== "propertyNames" && e.schemaPath.startsWith(`${b.schemaPath}/`))) continue;
    if (e.keyword === "propertyNames") continue; // reported through its inner error, which names the key
    const d = toDiagnostic(doc, e);
    const id = `${d.line}:${d.col}:${d.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(d);
  }
  return out;
}

function toDiagnostic(doc: ParsedDocument, e: ErrorObject): Diagnostic {
  const segments = pointerToPath(doc.value, e.instancePath);
  const title = typeof e.parentSchema?.["title"] === "string" ? (e.parentSchema["title"] as string) : undefined;
  // Quoting a whole mapping or list would be noise; scalars are what people mistype.
  const got = e.data !== null && typeof e.data === "object" ? "" : `; got ${describe(e.data)}`;
  const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;

  if (propertyName !== undefined) {
    const path = [...segments, propertyName];
    return make(doc, path, { key: true }, `invalid name ${JSON.stringify(propertyName)}: must be a ${title ?? e.message ?? "valid name"}`);
  }
  switch (e.keyword) {
    case "additionalProperties":
    case "unevaluatedProperties": {
      const field = String(e.params["additionalProperty"] ?? e.params["unevaluatedProperty"]);
      const guess = closestName(field, knownProperties(e.parentSchema));
      const hint = guess === undefined ? "" : `; did you mean ${JSON.stringify(guess)}?`;
      return make(doc, [...segments, field], { key: true }, `unknown field ${JSON.stringify(field)}${hint}`);
    }
    case "required": {
      const field = String(e.params["missingProperty"]);
      return make(doc, segments, { key: true }, `missing required field ${JSON.stringify(field)}`);
    }
    case "type":
      return make(doc, segments, {}, `must be ${String(e.params["type"]).replace(",", " or ")}${got}`);
    case "enum": {
      const allowed = (e.params["allowedValues"] as unknown[]).map((v) => JSON.stringify(v)).join(", ");
      return make(doc, segments, {}, `must be one of ${allowed}${got}`);
    }
    case "const":
      return make(doc, segments, {}, `must be ${JSON.stringify(e.params["allowedValue"])}${got}`);
    case "pattern":
    case "oneOf":
    case "anyOf":
    case "not":
      if (title !== undefined) return make(doc, segments, {}, `must be a ${title}${got}`);
      return make(doc, segments, {}, `${e.message ?? "is invalid"}${got}`);
    default:
      return make(doc, segments, {}, `${e.message ?? "is invalid"}${got}`);
  }
}

function make(
  doc: ParsedDocument,
  locatePath: readonly PathSegment[],
  options: { key?: boolean },
  message: string,
  reportPath: readonly PathSegment[] = locatePath,
): Diagnostic {
  const p = locatePath.length === 0 ? doc.start : doc.locate(locatePath, options);
  return { file: doc.file, line: p.line, col: p.col, severity: "error", code: "schema", message, path: formatPath(reportPath) };
}

/** The field names a schema object declares, following `$ref`s into the published schemas. */
function knownProperties(schema: Record<string, unknown> | undefined, depth = 0): string[] {
  if (schema === undefined || depth > 4) return [];
  const own = Object.keys((schema["properties"] as Record<string, unknown> | undefined) ?? {});
  const ref = schema["$ref"];
  if (typeof ref !== "string") return own;
  const [file = "", pointer = ""] = ref.split("#");
  const bases = file === "" ? Object.values(SCHEMAS) : Object.values(SCHEMAS).filter((s) => s.$id.endsWith(`/${file}`));
  for (const base of bases) {
    let node: unknown = base;
    for (const part of pointer.split("/").filter((p) => p !== "")) node = (node as Record<string, unknown> | undefined)?.[part];
    if (node !== undefined) return [...own, ...knownProperties(node as Record<string, unknown>, depth + 1)];
  }
  return own;
}

/** `/spec/ports/0` → `["spec", "ports", 0]`, using the data to tell array indexes from keys. */
export function pointerToPath(data: unknown, pointer: string): PathSegment[] {
  if (pointer === "") return [];
  const out: PathSegment[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split("/")) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      const i = Number(part);
      out.push(i);
      node = node[i];
    } else {
      out.push(part);
      node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined;
    }
  }
  return out;
}

/** A short, safe rendering of a value for a message. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}
