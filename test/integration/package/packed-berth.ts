/**
 * This checkout as npm ships it, for the package tests: `npm pack` once per
 * mocha process (its prepack builds a clean dist/), then installed the ways
 * users install it: into a prefix (`npm install --omit=dev TARBALL`) or
 * unpacked as an image's /app with `npm ci --omit=dev` from the lockfile,
 * as the repository's Dockerfile does.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../../../testbed/layout.ts";

const run = promisify(execFile);

export interface PackedBerth {
  /** The .tgz that `npm pack` wrote. */
  readonly tarball: string;
  /** The paths inside it, as npm lists them (`dist/reconciler/cli/main.js`, …). */
  readonly files: readonly string[];
  /** A temporary folder for installs, removed when the process exits. */
  readonly work: string;
}

/** The environment npm and the installed berth run in: none of mocha's loader options (tsx) leak into it. */
export function plainEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.NODE_OPTIONS;
  return env;
}

/** npm, as a user runs it (cache first, no audit or funding requests). */
function npm(args: readonly string[], cwd: string): Promise<{ stdout: string }> {
  return run("npm", [...args], { cwd, env: plainEnv(), maxBuffer: 64 << 20 });
}

let packed: Promise<PackedBerth> | undefined;

/** `npm pack` of this checkout, made once per process. */
export function packedBerth(): Promise<PackedBerth> {
  packed ??= (async () => {
    const work = mkdtempSync(path.join(tmpdir(), "berth-pack-"));
    process.once("exit", () => rmSync(work, { recursive: true, force: true }));
    const { stdout } = await npm(["pack", "--json", "--pack-destination", work], repoRoot);
    // prepack's build prints to stdout before npm's JSON.
    const [result] = JSON.parse(stdout.slice(stdout.indexOf("[\n"))) as { filename: string; files: { path: string }[] }[];
    return { tarball: path.join(work, result!.filename), files: result!.files.map((f) => f.path), work };
  })();
  return packed;
}

/** Installs the tarball into the empty `prefix` without dev dependencies; returns the `berth` npm links there. */
export async function installInto(pack: PackedBerth, prefix: string): Promise<string> {
  mkdirSync(prefix, { recursive: true });
  await npm(["install", "--prefix", prefix, "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund", pack.tarball], pack.work);
  return path.join(prefix, "node_modules", ".bin", "berth");
}

/**
 * Unpacks the tarball into `app` and installs the production dependencies the
 * lockfile pins. Without install scripts: the only ones are ssh2's optional
 * native speed-ups (ssh2, cpu-features), which node:20-slim has no compiler
 * to build either, and whose build files name the staging folder, so every
 * staging would make a different image.
 */
export async function stageApp(pack: PackedBerth, app: string): Promise<void> {
  rmSync(app, { recursive: true, force: true });
  mkdirSync(app, { recursive: true });
  await run("tar", ["-xzf", pack.tarball, "-C", app, "--strip-components=1"]);
  copyFileSync(path.join(repoRoot, "package-lock.json"), path.join(app, "package-lock.json"));
  await npm(["ci", "--omit=dev", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund"], app);
}
