/**
 * `berth import compose`, the pure part: Compose files in, berth Service
 * files and diagnostics out. The steps, in Compose's own order:
 * read the project's variables (`.env` next to the first file, or
 * `--env-file`s, under the process environment), read and interpolate each
 * file, resolve its `extends`, merge the files in order, keep the services
 * the selected profiles allow, then map each service and write its file.
 * Reading files is injected, so tests run on strings and the CLI on disk.
 */
import path from "node:path";
import { sortDiagnostics, type Diagnostic } from "../load/diagnostic.ts";
import { keyInfo, TOP_LEVEL_KEYS, unknownKey } from "./compose-keys.ts";
import { parseEnvFile } from "./dotenv.ts";
import { ServiceDraft, type ComposeProject } from "./draft.ts";
import { resolveExtends } from "./extends.ts";
import type { Lookup } from "./interpolate.ts";
import { mapService } from "./map-service.ts";
import { mergeComposeFiles } from "./merge-files.ts";
import { dnsLabel, projectName } from "./names.ts";
import { inSelectedProfiles, selectedProfiles } from "./profiles.ts";
import { readComposeFile, type ComposeMap } from "./read-compose-file.ts";
import { ImportFindings } from "./warnings.ts";
import { fileStart, whereKey, whereOf } from "./where.ts";
import { serviceDocument, serviceYaml } from "./write-yaml.ts";

export interface ComposeImportOptions {
  /** The Compose files, as the user named them (`-f` order); later ones merge onto earlier ones. */
  readonly files: readonly string[];
  /** Reads a file by absolute path; undefined when it does not exist or cannot be read. */
  readonly readFile: (absolutePath: string) => string | undefined;
  /** Where relative paths given by the user start. */
  readonly cwd: string;
  /** What `~` in a bind mount stands for. */
  readonly home: string;
  /** The process environment: it wins over `.env`, as in Compose. */
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** `--env-file`s, replacing the default `.env` next to the first file. */
  readonly envFiles?: readonly string[];
  /** `--profile`s; without any, COMPOSE_PROFILES. */
  readonly profiles?: readonly string[];
  /** Put before every service name (`--prefix shop` makes `shop-web`). */
  readonly prefix?: string;
  /** The `$schema` the modeline of each file names (default: the published URL). */
  readonly schema?: string;
}

export interface ImportedService {
  /** The file name to write, `<name>.yaml`. */
  readonly file: string;
  readonly name: string;
  readonly composeName: string;
  readonly content: string;
  readonly document: Record<string, unknown>;
}

export interface ComposeImport {
  /** False when any refusal was made; then `services` may be incomplete and nothing should be written. */
  readonly ok: boolean;
  readonly services: readonly ImportedService[];
  /** Warnings and refusals, sorted by file, line and column. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Imports Compose files.
 * @example
 * const r = importCompose({ files: ["compose.yaml"], readFile, cwd: process.cwd(), home: os.homedir(), environment: process.env });
 * for (const s of r.services) fs.writeFileSync(`fleet/${s.file}`, s.content);
 */
export function importCompose(options: ComposeImportOptions): ComposeImport {
  const findings = new ImportFindings();
  const first = options.files[0];
  if (first === undefined) {
    findings.refuse(fileStart("compose.yaml"), "compose-no-file", "no Compose file given: name at least one, e.g. berth import compose compose.yaml", "");
    return done(findings, []);
  }
  const abs = (p: string, from = options.cwd) => path.resolve(from, p);
  const dir = path.dirname(abs(first));
  const lookup = projectVariables(options, dir, findings);

  const files: ComposeMap[] = [];
  for (const file of options.files) {
    const text = options.readFile(abs(file));
    if (text === undefined) {
      findings.refuse(fileStart(file), "compose-unreadable", `cannot read ${file} (from ${options.cwd}): check the path`, "");
      continue;
    }
    const read = readComposeFile({ path: file, content: text }, lookup, findings);
    if (read === undefined) continue;
    const extendsReader = (fromFile: string, other: string, at: { file: string; line: number; col: number }): ComposeMap | undefined => {
      const otherPath = path.join(path.dirname(fromFile), other);
      const otherText = options.readFile(abs(otherPath));
      if (otherText === undefined) {
        findings.refuse(at, "extends-file", `extends names file ${other}, which cannot be read (looked for ${abs(otherPath)})`, "");
        return undefined;
      }
      const parsed = readComposeFile({ path: otherPath, content: otherText }, lookup, findings);
      return parsed === undefined ? undefined : resolveExtends(parsed, otherPath, () => undefined, findings);
    };
    files.push(resolveExtends(read, file, extendsReader, findings));
  }
  if (files.length === 0) return done(findings, []);
  const model = files.slice(1).reduce((a, b) => mergeComposeFiles(a, b), files[0] as ComposeMap);
  checkTopLevel(model, first, findings);

  const project: Omit<ComposeProject, "serviceNames"> = {
    name: projectName(lookup("COMPOSE_PROJECT_NAME") ?? (typeof model["name"] === "string" ? model["name"] : path.basename(dir))),
    dir,
    home: options.home,
    volumes: mapOf(model["volumes"]),
    secrets: mapOf(model["secrets"]),
    lookup,
    readFile: (p) => options.readFile(abs(p, dir)),
  };
  const services = mapOf(model["services"]);
  const profiles = selectedProfiles(options.profiles ?? [], lookup("COMPOSE_PROFILES"));
  const chosen = Object.entries(services).filter(([, s]) => typeof s === "object" && s !== null && inSelectedProfiles(s as ComposeMap, profiles));
  if (Object.keys(services).length === 0) findings.refuse(whereKey(model, "services", fileStart(first)), "compose-no-services", `${first} has no services: berth imports the services: of a Compose file`, "services");

  const names = new Map<string, string>();
  const taken = new Map<string, string>();
  for (const [composeName] of chosen) {
    const wanted = options.prefix ? `${options.prefix.replace(/-+$/, "")}-${composeName}` : composeName;
    const name = dnsLabel(wanted);
    const at = whereKey(services, composeName, fileStart(first));
    const clash = taken.get(name);
    if (clash !== undefined) findings.refuse(at, "compose-name-clash", `services ${JSON.stringify(clash)} and ${JSON.stringify(composeName)} would both be named ${JSON.stringify(name)} in berth (lowercase letters, digits and -); rename one`, `services.${composeName}`);
    else if (name === "berth-proxy") findings.refuse(at, "reserved-name", `the name berth-proxy is berth's own (the traffic proxy on every host); rename the service, or import with --prefix`, `services.${composeName}`);
    taken.set(name, composeName);
    names.set(composeName, name);
  }

  const imported: ImportedService[] = [];
  for (const [composeName, service] of chosen) {
    const name = names.get(composeName) ?? dnsLabel(composeName);
    const at = whereKey(services, composeName, fileStart(first));
    const draft = new ServiceDraft(composeName, name, service as ComposeMap, at, { ...project, serviceNames: names }, findings);
    if (name !== composeName && !options.prefix) draft.warn([], `berth names are DNS labels: service ${JSON.stringify(composeName)} becomes ${JSON.stringify(name)}`, "compose-renamed");
    mapService(draft);
    imported.push({ file: `${name}.yaml`, name, composeName, content: serviceYaml(draft, { sources: options.files, ...(options.schema ? { schema: options.schema } : {}) }), document: serviceDocument(draft) });
  }
  return done(findings, imported);
}

function done(findings: ImportFindings, services: ImportedService[]): ComposeImport {
  return { ok: !findings.hasErrors, services, diagnostics: sortDiagnostics(findings.list) };
}

/** The variables interpolation reads: the process environment over the env files. */
function projectVariables(options: ComposeImportOptions, dir: string, findings: ImportFindings): Lookup {
  const fromFiles = new Map<string, string>();
  const env: Lookup = (name) => options.environment[name];
  const given = options.envFiles ?? [];
  const files = given.length > 0 ? given.map((f) => ({ shown: f, abs: path.resolve(options.cwd, f), required: true })) : [{ shown: path.join(path.relative(options.cwd, dir) || ".", ".env"), abs: path.join(dir, ".env"), required: false }];
  for (const f of files) {
    const text = options.readFile(f.abs);
    if (text === undefined) {
      if (f.required) findings.refuse(fileStart(f.shown), "env-file-missing", `cannot read --env-file ${f.shown}`, "");
      continue;
    }
    const parsed = parseEnvFile(text, (name) => env(name) ?? fromFiles.get(name));
    for (const p of parsed.problems) findings.refuse({ file: f.shown, line: p.line, col: p.col }, "env-file", p.message, "");
    for (const e of parsed.entries) fromFiles.set(e.name, e.value);
  }
  return (name) => env(name) ?? fromFiles.get(name);
}

function checkTopLevel(model: ComposeMap, first: string, findings: ImportFindings): void {
  for (const key of Object.keys(model)) {
    if (key.startsWith("x-")) continue;
    const at = whereKey(model, key, whereOf(model, fileStart(first)));
    const info = keyInfo(TOP_LEVEL_KEYS, key);
    if (info === undefined) findings.warn(at, "compose-unknown-key", unknownKey(key, TOP_LEVEL_KEYS), key);
    else if (info.support === "not supported") findings.warn(at, "compose-unsupported", `dropped: ${info.note}`, key);
  }
  const secrets = mapOf(model["secrets"]);
  for (const [name, def] of Object.entries(secrets)) {
    const d = mapOf(def);
    if (d["file"] === undefined && d["environment"] === undefined) findings.warn(whereKey(secrets, name, fileStart(first)), "compose-unsupported", `secret ${JSON.stringify(name)} is external or made by a driver: berth can only refer to a file in the operator's secrets folder or a variable of the reconciler`, `secrets.${name}`);
  }
}

function mapOf(v: unknown): ComposeMap {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as ComposeMap) : {};
}
