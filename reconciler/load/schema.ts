/**
 * The JSON Schemas of `schemas/` and their ajv validators (draft 2020-12),
 * compiled ahead of time. The loader picks the validator by `kind`.
 */
import type { ValidateFunction } from "ajv/dist/2020.js";
import * as compiled from "./compiled-schemas.ts";
import berthSchema from "../../schemas/berth.schema.json" with { type: "json" };
import commonSchema from "../../schemas/common.schema.json" with { type: "json" };
import hostSchema from "../../schemas/host.schema.json" with { type: "json" };
import jobSchema from "../../schemas/job.schema.json" with { type: "json" };
import policySchema from "../../schemas/policy.schema.json" with { type: "json" };
import serviceSchema from "../../schemas/service.schema.json" with { type: "json" };
import templateSchema from "../../schemas/template.schema.json" with { type: "json" };
import type { DocumentKind } from "../model/documents.ts";

/** Every published schema, for tests and tools that want to list them. */
export const SCHEMAS = {
  common: commonSchema,
  host: hostSchema,
  service: serviceSchema,
  job: jobSchema,
  template: templateSchema,
  policy: policySchema,
  berth: berthSchema,
} as const;

export type DocumentValidators = Readonly<Record<DocumentKind, ValidateFunction>> & {
  /** The top-level schema that dispatches on `kind` (what editors use). */
  readonly any: ValidateFunction;
};

/**
 * The validators, compiled ahead of time (compile-schemas.ts writes
 * compiled-schemas.ts; a unit test checks it matches the schemas).
 */
export function documentValidators(): DocumentValidators {
  return compiled as unknown as DocumentValidators;
}
