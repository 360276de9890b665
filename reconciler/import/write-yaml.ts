/**
 * A berth Service as the file a person reads and commits: the
 * yaml-language-server modeline first (so editors complete and check it
 * against the published schema), a header saying where it came from and
 * what did not carry over, then the document in berth's usual field order
 * with short comments above the fields that need a word of explanation.
 */
import { Document, isMap, isScalar, isSeq, type Node } from "yaml";
import type { ServiceDraft } from "./draft.ts";

/** The published Service schema (its `$id`). */
export const SERVICE_SCHEMA_URL = "https://berth.dev/schemas/v1/service.schema.json";

/** berth's own order of spec fields, as in examples-repo/services/. */
const SPEC_ORDER = [
  "image", "command", "args", "replicas", "env", "secretEnv", "ports", "expose", "volumes", "resources",
  "health", "placement", "rollout", "stopGracePeriod", "labels", "privileged", "hostNetwork", "uses",
];

export interface WriteOptions {
  /** The `$schema` the modeline names (default: the published URL). */
  readonly schema?: string;
  /** The Compose files the service came from, for the header. */
  readonly sources: readonly string[];
}

/** The berth Service document of a draft, as plain data, fields in berth's order. */
export function serviceDocument(d: ServiceDraft): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  for (const key of SPEC_ORDER) if (d.spec[key] !== undefined) spec[key] = d.spec[key];
  for (const key of Object.keys(d.spec)) if (!(key in spec)) spec[key] = d.spec[key];
  const metadata: Record<string, unknown> = { name: d.name };
  if (Object.keys(d.metadataLabels).length > 0) metadata["labels"] = d.metadataLabels;
  return { apiVersion: "berth/v1", kind: "Service", metadata, spec };
}

/** The file's text. */
export function serviceYaml(d: ServiceDraft, options: WriteOptions): string {
  const header = [
    `yaml-language-server: $schema=${options.schema ?? SERVICE_SCHEMA_URL}`,
    "",
    `Imported by \`berth import compose\` from ${options.sources.join(", ")}, service ${JSON.stringify(d.composeName)}.`,
    "Review it, then run `berth validate` and `berth plan`.",
  ];
  if (d.warnings.length > 0) header.push("", "Not carried over as written:", ...sortedWarnings(d).map((w) => `- ${w}`));
  // Written as YAML 1.1 so that strings such as "on", "yes" or "0755" are quoted: tools that still read 1.1 would take them for booleans or numbers.
  const doc = new Document(serviceDocument(d), { version: "1.1" });
  for (const [path, lines] of d.notes) commentAt(doc, path, lines.join("\n"));
  const comment = header.map((l) => (l === "" ? "#" : `# ${l}`)).join("\n");
  return `${comment}\n${doc.toString({ lineWidth: 0 })}`;
}

/** Puts `text` as a comment above the field or list item at `path` (`spec.volumes[0]`). */
function commentAt(doc: Document, path: string, text: string): void {
  const segments = path.split(/\.|(?=\[)/).map((s) => (s.startsWith("[") ? Number(s.slice(1, -1)) : s));
  const last = segments.pop();
  const parent = segments.length === 0 ? doc.contents : (doc.getIn(segments, true) as Node | undefined);
  const line = ` ${text.replace(/\n/g, "\n ")}`;
  if (typeof last === "number" && isSeq(parent)) {
    const item = parent.items[last] as Node | undefined;
    if (item) item.commentBefore = line;
  } else if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
    if (pair && isScalar(pair.key)) pair.key.commentBefore = line;
  }
}

/** The service's warnings in the order of the files and lines they point at. */
function sortedWarnings(d: ServiceDraft): string[] {
  return [...d.warnings].sort((a, b) => (a.at.file === b.at.file ? a.at.line - b.at.line || a.at.col - b.at.col : a.at.file < b.at.file ? -1 : 1)).map((w) => w.text);
}
