/**
 * Where a secret reference may read from, as the operator allows it. Used
 * twice: at load time (every command refuses before any connection) and
 * again when the value is read, since a symlink can change in between.
 */
import path from "node:path";
import type { OperatorConfig } from "../model/operator-config.ts";

/** True when `fromEnv: name` is one of the operator's names or prefixes (`BERTH_SECRET_*`). */
export function secretEnvAllowed(name: string, rules: OperatorConfig["secrets"]): boolean {
  return rules.env.some((entry) => (entry.endsWith("*") ? name.startsWith(entry.slice(0, -1)) : name === entry));
}

function inside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}

/**
 * The file a `fromFile` reference names: an absolute path, or one relative
 * to the secrets folder. It must lie inside that folder once normalised and
 * once symlinks are followed (`realpath` throws ENOENT for a file that does
 * not exist yet: then the normalised path is judged, and reading it later
 * checks again).
 * @example
 * secretFilePath("db/password", { dir: "/etc/berth/secrets", env: [] }, fs.realpathSync) // { path: "/etc/berth/secrets/db/password" }
 * secretFilePath("/etc/shadow", rules, fs.realpathSync) // { refused: "…is outside the secrets folder /etc/berth/secrets…" }
 */
export function secretFilePath(ref: string, rules: OperatorConfig["secrets"], realpath: (p: string) => string): { path: string } | { refused: string } {
  const dir = path.resolve(rules.dir);
  const file = path.resolve(dir, ref);
  const where = `the operator's secrets folder ${dir}`;
  if (!inside(dir, file)) return { refused: `${JSON.stringify(ref)} is outside ${where}` };
  let realDir = dir;
  try {
    realDir = realpath(dir);
  } catch {
    // A secrets folder that does not exist holds no files: the read fails later, naming the reference.
  }
  try {
    const real = realpath(file);
    if (!inside(realDir, real)) return { refused: `${JSON.stringify(ref)} leads out of ${where} through a symlink` };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") return { refused: `${JSON.stringify(ref)} cannot be checked (${(err as NodeJS.ErrnoException).code ?? "error"})` };
  }
  return { path: file };
}
