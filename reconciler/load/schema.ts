/**
 * The JSON Schemas of `schemas/`, compiled once per process with ajv
 * (draft 2020-12). The loader picks the validator by `kind`.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
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

let compiled: DocumentValidators | undefined;

/** The compiled validators, built on first use and reused for the life of the process. */
export function documentValidators(): DocumentValidators {
  if (compiled !== undefined) return compiled;
  // allErrors: users get every mistake in one run; verbose: messages can quote the offending value.
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
  for (const schema of Object.values(SCHEMAS)) ajv.addSchema(schema);
  const get = (schema: { $id: string }): ValidateFunction => {
    const fn = ajv.getSchema(schema.$id);
    if (fn === undefined) throw new Error(`schema ${schema.$id} did not compile`);
    return fn;
  };
  compiled = {
    Host: get(hostSchema),
    Service: get(serviceSchema),
    Job: get(jobSchema),
    Template: get(templateSchema),
    Policy: get(policySchema),
    any: get(berthSchema),
  };
  return compiled;
}
