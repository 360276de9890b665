/**
 * `berth schema`: the JSON Schemas of `schemas/` for editors, written into a
 * folder of the user's repository (`--out`), listed, or one printed.
 *
 * Each schema is written under the last segment of its `$id`
 * (https://berth.dev/schemas/v1/service.schema.json → service.schema.json)
 * and refers to the others by that file name, so the folder works wherever it
 * is copied: an editor resolves `common.schema.json#/…` next to the file it
 * read, and a validator such as ajv resolves it against the `$id`, which names
 * the exported file too. The schemas are the ones the loader validates with,
 * compiled into berth, so the command needs no files beside it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import operatorConfigSchema from "../../schemas/operator-config.schema.json" with { type: "json" };
import { SCHEMAS } from "../load/schema.ts";

interface PublishedSchema {
  readonly $id: string;
  readonly title?: string;
}

/** Every schema berth publishes: the documents' (SCHEMAS) and the operator configuration's. */
const PUBLISHED: readonly PublishedSchema[] = [...Object.values(SCHEMAS), operatorConfigSchema];

/** The file a schema is exported as: the last segment of its `$id`. */
export function schemaFileName(schema: PublishedSchema): string {
  return schema.$id.slice(schema.$id.lastIndexOf("/") + 1);
}

/** `berth schema [NAME] [--out DIR]`; returns the exit status. */
export function runSchema(name: string | undefined, opts: { out?: string }): number {
  const out = (s: string): void => void process.stdout.write(s);
  if (opts.out !== undefined && name !== undefined) {
    process.stderr.write(`berth schema: give a NAME to print one schema or --out DIR to write them all, not both (got "${name}" and --out ${opts.out})\n`);
    return 1;
  }
  if (opts.out !== undefined) {
    const dir = opts.out;
    try {
      mkdirSync(dir, { recursive: true });
      for (const schema of PUBLISHED) writeFileSync(path.join(dir, schemaFileName(schema)), `${JSON.stringify(schema, null, 2)}\n`);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === "EEXIST" || (err as NodeJS.ErrnoException).code === "ENOTDIR" ? "it is a file, not a folder" : (err as Error).message;
      process.stderr.write(`berth schema: cannot write the schemas into --out ${dir}: ${reason}; name a folder berth may create or write to\n`);
      return 1;
    }
    out(`wrote ${PUBLISHED.length} schemas to ${dir}: ${PUBLISHED.map(schemaFileName).join(", ")}\n`);
    return 0;
  }
  if (name !== undefined) {
    const wanted = name.endsWith(".schema.json") ? name : `${name}.schema.json`;
    const schema = PUBLISHED.find((s) => schemaFileName(s) === wanted);
    if (schema === undefined) {
      process.stderr.write(`berth schema: no schema "${name}"; the schemas are ${PUBLISHED.map((s) => schemaFileName(s).replace(".schema.json", "")).join(", ")}\n`);
      return 1;
    }
    out(`${JSON.stringify(schema, null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...PUBLISHED.map((s) => schemaFileName(s).length));
  for (const schema of PUBLISHED) out(`${schemaFileName(schema).padEnd(width)}  ${schema.title ?? ""}\n`.replace(/ +\n$/, "\n"));
  return 0;
}
