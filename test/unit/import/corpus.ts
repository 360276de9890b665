/**
 * The Compose corpus (test/fixtures/compose/<case>/) imported the way the
 * CLI does, but with the files read from the fixture folder as if it were
 * /work/project, so bind-mount paths and diagnostics do not depend on
 * where the repository is checked out.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { importCompose, type ComposeImport, type ComposeImportOptions } from "../../../reconciler/import/import-compose.ts";

export const FIXTURES = path.resolve(import.meta.dirname, "..", "..", "fixtures", "compose");

/** Where the fixture folder appears to be, for the importer. */
export const PROJECT = "/work/project";

export interface CorpusCase {
  /** The folder under test/fixtures/compose/. */
  readonly dir: string;
  readonly files?: readonly string[];
  readonly options?: Partial<Pick<ComposeImportOptions, "envFiles" | "profiles" | "prefix" | "environment">>;
}

export function importCase(c: CorpusCase): ComposeImport {
  const root = path.join(FIXTURES, c.dir);
  return importCompose({
    files: c.files ?? ["compose.yaml"],
    readFile: (p) => {
      const rel = path.relative(PROJECT, p);
      if (rel.startsWith("..")) return undefined;
      try {
        return readFileSync(path.join(root, rel), "utf8");
      } catch {
        return undefined;
      }
    },
    cwd: PROJECT,
    home: "/home/dev",
    environment: c.options?.environment ?? {},
    ...(c.options?.envFiles ? { envFiles: c.options.envFiles } : {}),
    ...(c.options?.profiles ? { profiles: c.options.profiles } : {}),
    ...(c.options?.prefix ? { prefix: c.options.prefix } : {}),
  });
}
