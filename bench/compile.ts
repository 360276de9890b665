/**
 * berth as it ships: compiled by tsc with the build's own config
 * (tsconfig.build.json, what `npm run build` makes into dist/), into
 * node_modules/.cache/, to run on plain node. Under tsx every process start
 * pays for the loader: `berth --help` takes about 1.5 s under tsx and
 * 0.17 s compiled on this machine, which would swamp any timing of a whole
 * CLI process.
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/**
 * Compiles the checkout at `root` into its node_modules/.cache/`name`/ and
 * returns that folder; `reconciler/cli/main.js` in it is the CLI.
 *
 * @example path.join(compiledBerth("berth-bench-cli"), "reconciler/cli/main.js")
 */
export function compiledBerth(name: string, root = repoRoot): string {
  const tsc = path.join(path.dirname(createRequire(path.join(root, "package.json")).resolve("typescript/package.json")), "bin/tsc");
  const out = path.join(root, "node_modules/.cache", name);
  execFileSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json"), "--outDir", out], { stdio: "inherit" });
  return out;
}
