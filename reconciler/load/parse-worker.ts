/**
 * A worker thread of `YamlParsePool`: parses the files it is sent and
 * answers with plain data. Parsing is pure, so the worker holds no state.
 */
import { parentPort } from "node:worker_threads";
import { parseYamlFilePlain, type PlainParsedFile } from "./parse-yaml.ts";
import type { SourceFile } from "./source.ts";

export interface ParseRequest {
  readonly id: number;
  readonly files: readonly SourceFile[];
  readonly maxBytes: number;
}

export type ParseResponse = { readonly id: number; readonly results: readonly PlainParsedFile[] } | { readonly id: number; readonly error: string };

parentPort?.on("message", (request: ParseRequest) => {
  try {
    const results = request.files.map((f) => parseYamlFilePlain(f, request.maxBytes));
    parentPort?.postMessage({ id: request.id, results } satisfies ParseResponse);
  } catch (err) {
    parentPort?.postMessage({ id: request.id, error: (err as Error).stack ?? String(err) } satisfies ParseResponse);
  }
});
