/**
 * Template parameters: checking a service's `with:` values against the
 * template's typed parameters and filling in defaults.
 */
import type { ParamType, TemplateDoc, UsesDoc } from "../model/documents.ts";
import type { Diagnostic } from "../load/diagnostic.ts";
import type { ParsedDocument, PathSegment } from "../load/parse-yaml.ts";
import { diagnosticAt } from "../load/diagnostic-at.ts";

export interface ResolvedParams {
  /** Parameter values as text, ready for substitution. */
  readonly values: ReadonlyMap<string, string>;
  readonly diagnostics: readonly Diagnostic[];
}

/** True when `value` has the parameter type `type`. */
export function hasParamType(value: unknown, type: ParamType): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
  }
}

/**
 * Checks the `with:` of one `uses:` entry (at `usesPath` in `service`) against
 * `template`'s parameters. Every problem is reported at the service's file
 * and line; the values returned hold defaults for what was not given.
 */
export function resolveParams(
  template: TemplateDoc,
  uses: UsesDoc,
  service: ParsedDocument,
  usesPath: readonly PathSegment[],
): ResolvedParams {
  const declared = template.spec.params ?? {};
  const given = uses.with ?? {};
  const values = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  const name = template.metadata.name;

  for (const [key, value] of Object.entries(given)) {
    // Own properties only: `declared["constructor"]` would otherwise be Object's constructor, not "no such parameter".
    const param = Object.hasOwn(declared, key) ? declared[key] : undefined;
    if (param === undefined) {
      const known = Object.keys(declared);
      diagnostics.push(
        diagnosticAt(service, [...usesPath, "with", key], "unknown-param", `template ${JSON.stringify(name)} has no parameter ${JSON.stringify(key)}; it has ${known.length === 0 ? "none" : known.map((k) => JSON.stringify(k)).join(", ")}`, { key: true }),
      );
      continue;
    }
    if (!hasParamType(value, param.type)) {
      diagnostics.push(
        diagnosticAt(service, [...usesPath, "with", key], "param-type", `parameter ${JSON.stringify(key)} of template ${JSON.stringify(name)} must be ${param.type === "integer" ? "an integer" : `a ${param.type}`}; got ${JSON.stringify(value)}`),
      );
      continue;
    }
    values.set(key, String(value));
  }
  for (const [key, param] of Object.entries(declared)) {
    if (values.has(key) || Object.hasOwn(given, key)) continue;
    if (param.default !== undefined && param.required !== true) {
      values.set(key, String(param.default));
      continue;
    }
    diagnostics.push(
      diagnosticAt(service, usesPath, "missing-param", `template ${JSON.stringify(name)} needs parameter ${JSON.stringify(key)} (${param.type}${param.description === undefined ? "" : `: ${param.description}`}); add it under \`with:\``),
    );
  }
  return { values, diagnostics };
}
