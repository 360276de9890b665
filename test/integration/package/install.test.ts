/**
 * berth as a user installs it: `npm pack` makes the tarball (its prepack
 * builds dist/), `npm install --omit=dev` puts it into an empty prefix, and
 * the `berth` that npm links there runs on plain node, with none of the
 * repository's files and none of its dev dependencies (tsx above all: the
 * sources are TypeScript, the package must not be).
 *
 * Needs npm and its registry (or a warm npm cache); no test bed.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../../../testbed/layout.ts";
import { installInto, packedBerth, plainEnv } from "./packed-berth.ts";

const run = promisify(execFile);

interface PackageJson {
  readonly version: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

const ownPackage = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as PackageJson;

/** Every installed package folder under `modules` (scoped and nested ones too), by package name. */
function installedPackages(modules: string, found = new Map<string, string[]>()): Map<string, string[]> {
  if (!existsSync(modules)) return found;
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith(".")) continue;
    const dirs = entry.startsWith("@") ? readdirSync(path.join(modules, entry)).map((s) => path.join(entry, s)) : [entry];
    for (const name of dirs) {
      const dir = path.join(modules, name);
      if (!existsSync(path.join(dir, "package.json"))) continue;
      found.set(name, [...(found.get(name) ?? []), dir]);
      installedPackages(path.join(dir, "node_modules"), found);
    }
  }
  return found;
}

describe("the npm package", function () {
  this.timeout(5 * 60_000);
  let prefix: string;
  let bin: string;

  before(async function () {
    const pack = await packedBerth();
    assert.ok(pack.files.includes("dist/reconciler/cli/main.js"), "the tarball holds the compiled CLI");
    assert.deepEqual(pack.files.filter((f) => /^(test|testbed|bench|demo|examples-repo|reconciler|scheduler)\//.test(f) || f.endsWith(".ts") || f.endsWith(".map")), [], "the tarball holds no sources, tests, bed or maps");
    prefix = path.join(pack.work, "prefix");
    bin = await installInto(pack, prefix);
  });

  it("installs a `berth` whose --help names every command", async () => {
    const { stdout } = await run(bin, ["--help"], { cwd: prefix, env: plainEnv() });
    for (const command of ["validate", "render", "plan", "apply", "run", "status", "history", "show", "schema", "import"]) {
      assert.match(stdout, new RegExp(`^  ${command} `, "m"), `--help lists ${command}`);
    }
  });

  it("prints package.json's version for --version", async () => {
    const { stdout } = await run(bin, ["--version"], { cwd: prefix, env: plainEnv() });
    assert.equal(stdout.trim(), ownPackage.version);
  });

  it("validates examples-repo from the installed package", async () => {
    const { stdout } = await run(bin, ["validate", path.join(repoRoot, "examples-repo")], { cwd: prefix, env: plainEnv() });
    assert.match(stdout, /examples-repo: valid \(3 hosts, /);
  });

  it("installs no dev dependency, unless a runtime dependency itself depends on it", () => {
    const installed = installedPackages(path.join(prefix, "node_modules"));
    // What the installed runtime packages (berth's dependencies and theirs) ask for.
    const asked = new Map<string, string[]>();
    for (const [name, dirs] of installed) {
      if (name === "berth") continue;
      for (const dir of dirs) {
        const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as PackageJson;
        for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies })) asked.set(dep, [...(asked.get(dep) ?? []), name]);
      }
    }
    const devDependencies = Object.keys(ownPackage.devDependencies ?? {});
    assert.ok(devDependencies.includes("tsx"), "package.json's devDependencies are read");
    for (const dev of devDependencies) {
      if (!installed.has(dev)) continue;
      assert.ok(asked.has(dev), `dev dependency ${dev} is installed at ${installed.get(dev)!.join(", ")} though no runtime package depends on it`);
    }
    for (const dev of ["tsx", "typescript", "mocha"]) assert.ok(!installed.has(dev), `${dev} is not installed`);
  });
});
