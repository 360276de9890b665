/**
 * Every Compose file of the corpus, imported and checked against the
 * expected berth files next to it (test/fixtures/compose/<case>/expected/),
 * document by document and as text (comments and modeline included), with
 * the exact warnings and refusals, and then validated by berth's own loader.
 * Set UPDATE_COMPOSE_FIXTURES=1 to rewrite the expected files after a
 * deliberate change, and read the diff.
 */
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { defaultOperatorConfig } from "../../../reconciler/config/defaults.ts";
import { formatDiagnostic } from "../../../reconciler/load/diagnostic.ts";
import { loadFleet } from "../../../reconciler/load/load-fleet.ts";
import { FIXTURES, importCase, type CorpusCase } from "./corpus.ts";

interface Case extends CorpusCase {
  readonly name: string;
  /** Expected diagnostics as `line:col severity code` (file first when not compose.yaml). */
  readonly diagnostics: readonly string[];
  /** Host paths, privileged or host network the validation must allow (a Policy and the operator's ceiling). */
  readonly allow?: { readonly hostPaths?: readonly string[]; readonly privileged?: boolean; readonly hostNetwork?: boolean };
}

const cases: readonly Case[] = [
  { name: "web + database + cache, with healthchecks and depends_on", dir: "web-db-cache", diagnostics: ["13:5 warning compose-depends-on"] },
  {
    name: "deploy sections",
    dir: "deploy",
    diagnostics: [
      "14:11 warning compose-unsupported",
      "15:11 warning compose-unsupported",
      "22:9 warning compose-unsupported",
      "23:7 warning compose-unsupported",
      "26:9 warning compose-unsupported",
      "27:9 warning compose-unsupported",
    ],
  },
  { name: ".env interpolation with defaults", dir: "env-interpolation", diagnostics: [] },
  { name: "a required variable that is not set", dir: "env-required", diagnostics: ["4:37 error interpolation"] },
  { name: "anchors and merge keys", dir: "anchors", diagnostics: [] },
  { name: "extends, from another file and within the file", dir: "extends", diagnostics: [] },
  { name: "profiles: only services without one", dir: "profiles", diagnostics: [] },
  { name: "profiles: --profile debug adds adminer", dir: "profiles", options: { profiles: ["debug"] }, diagnostics: [] },
  {
    name: "named, external, bind, anonymous and tmpfs volumes",
    dir: "volumes",
    diagnostics: ["9:9 warning compose-bind-mount", "10:9 warning compose-bind-mount", "12:9 warning compose-partial", "14:9 warning compose-unsupported", "20:9 warning compose-partial"],
    allow: { hostPaths: ["/work/project/config", "/srv/shared"] },
  },
  { name: "secrets, as references", dir: "secrets", diagnostics: ["9:9 warning compose-secret", "13:7 warning compose-secret-value", "16:9 warning compose-secret"] },
  { name: "global mode", dir: "global", diagnostics: ["16:7 warning compose-unsupported"] },
  { name: "placement constraints and preferences", dir: "placement", diagnostics: ["11:13 warning compose-unsupported"] },
  { name: "several -f files", dir: "multi-file", files: ["compose.yaml", "compose.prod.yaml"], diagnostics: [] },
  { name: "build: is refused without an image", dir: "build", diagnostics: ["4:5 error compose-build", "8:5 warning compose-build"] },
  {
    name: "keys berth cannot honour",
    dir: "unsupported",
    diagnostics: [
      "6:5 warning compose-unsupported",
      "7:5 warning compose-unsupported",
      "9:5 warning compose-privileged",
      "10:5 warning compose-unsupported",
      "11:5 warning compose-unsupported",
      "12:5 warning compose-unsupported",
      "13:5 warning compose-unsupported",
      "14:5 warning compose-unsupported",
      "15:5 warning compose-host-network",
      "16:5 warning compose-unsupported",
      "19:5 warning compose-unsupported",
      "20:5 warning compose-unsupported",
      "21:5 warning compose-unsupported",
      "24:5 warning compose-unsupported",
      "26:5 warning compose-unknown-key",
      "27:1 warning compose-unsupported",
      "29:1 warning compose-unsupported",
    ],
    allow: { privileged: true, hostNetwork: true },
  },
  { name: "x-berth passes berth fields through", dir: "x-berth", diagnostics: [] },
];

const update = process.env["UPDATE_COMPOSE_FIXTURES"] === "1";

function expectedDir(c: Case): string {
  const profile = c.options?.profiles?.length ? `expected-profile-${c.options.profiles.join("-")}` : "expected";
  return path.join(FIXTURES, c.dir, profile);
}

/** A template the x-berth case uses, so that its output validates as a fleet would. */
const LOG_SHIPPER = readFileSync(path.resolve(import.meta.dirname, "..", "..", "..", "examples-repo", "templates", "log-shipper.yaml"), "utf8");

describe("berth import compose: the corpus", () => {
  it("has at least 12 Compose projects", () => {
    assert.ok(readdirSync(FIXTURES).length >= 12);
  });

  for (const c of cases) {
    describe(c.name, () => {
      const result = importCase(c);

      it("warns and refuses exactly where expected", () => {
        const got = result.diagnostics.map((d) => `${d.file === "compose.yaml" ? "" : `${d.file}:`}${d.line}:${d.col} ${d.severity} ${d.code}`);
        assert.deepEqual(got, c.diagnostics, result.diagnostics.map((d) => formatDiagnostic(d)).join("\n"));
        assert.equal(result.ok, !c.diagnostics.some((d) => d.includes(" error ")));
      });

      if (!result.ok) return;

      it("writes the expected berth files, field by field and as text", () => {
        const dir = expectedDir(c);
        if (update) {
          mkdirSync(dir, { recursive: true });
          for (const s of result.services) writeFileSync(path.join(dir, s.file), s.content);
        }
        assert.deepEqual(result.services.map((s) => s.file).sort(), readdirSync(dir).sort());
        for (const s of result.services) {
          const expected = readFileSync(path.join(dir, s.file), "utf8");
          assert.deepEqual(s.document, parse(expected), `${s.file}: the document differs`);
          assert.equal(s.content, expected, `${s.file}: the text differs`);
        }
      });

      it("every file starts with the yaml-language-server modeline", () => {
        for (const s of result.services) assert.match(s.content.split("\n")[0] ?? "", /^# yaml-language-server: \$schema=https:\/\/berth\.dev\/schemas\/v1\/service\.schema\.json$/);
      });

      it("berth validate accepts the output", () => {
        const files = result.services.map((s) => ({ path: s.file, content: s.content }));
        const allow = c.allow;
        if (allow) {
          const policy = { apiVersion: "berth/v1", kind: "Policy", metadata: { name: "imported" }, spec: { allowPrivileged: allow.privileged ?? false, allowHostNetwork: allow.hostNetwork ?? false, allowedHostPaths: allow.hostPaths ?? [] } };
          files.push({ path: "policy.yaml", content: JSON.stringify(policy) });
        }
        if (result.services.some((s) => JSON.stringify(s.document).includes("log-shipper"))) files.push({ path: "templates/log-shipper.yaml", content: LOG_SHIPPER });
        const base = defaultOperatorConfig("/state");
        const config = { ...base, ceiling: { privileged: allow?.privileged ?? false, hostNetwork: allow?.hostNetwork ?? false, hostPaths: [...(allow?.hostPaths ?? [])] } };
        const loaded = loadFleet({ files }, { operator: { config, realpath: (p) => p } });
        assert.deepEqual(loaded.diagnostics.map((d) => formatDiagnostic(d)), []);
        assert.equal(loaded.ok, true);
        if (loaded.ok) assert.equal(loaded.fleet.services.length, result.services.length);
      });
    });
  }

  it("no expected folder is left without its case", () => {
    const used = new Set(cases.filter((c) => !c.diagnostics.some((d) => d.includes(" error "))).map((c) => expectedDir(c)));
    for (const dir of readdirSync(FIXTURES)) {
      for (const sub of readdirSync(path.join(FIXTURES, dir))) {
        if (sub.startsWith("expected")) assert.ok(used.has(path.join(FIXTURES, dir, sub)), `${dir}/${sub} belongs to no case`);
      }
    }
  });
});
