/**
 * `berth render SERVICE [DIR]`: print the expanded pod of one Service or
 * Job (main container plus template containers, defaults filled in) as
 * YAML or JSON. Secrets appear as the references they are, never values:
 * the loader never reads them.
 */
import { stringify } from "yaml";
import { fail } from "./fail.ts";
import { displayDiagnostics, displayFile, loadForCli } from "./validate.ts";

/**
 * Runs `berth render`.
 * @returns the exit code: 0 rendered, 1 when the repository is invalid or has no such service.
 */
export async function runRender(service: string, dir: string | undefined, opts: Record<string, unknown>): Promise<number> {
  const loaded = await loadForCli(dir, opts, "render");
  if (loaded === undefined) return 1;
  const { root, result } = loaded;
  if (!result.ok) {
    return fail("render", { code: "fleet-invalid", message: `${root} does not validate; nothing to render.`, diagnostics: displayDiagnostics(root, result.diagnostics) }, opts);
  }
  const found = result.fleet.services.find((s) => s.name === service) ?? result.fleet.jobs.find((j) => j.name === service);
  if (found === undefined) {
    const known = [...result.fleet.services, ...result.fleet.jobs].map((w) => w.name).sort();
    return fail("render", { code: "unknown-service", message: `no Service or Job named ${JSON.stringify(service)} in ${root}; known: ${known.join(", ") || "none"}` }, opts);
  }
  const pod = found.pod;
  // specHash first: it is what a reader compares with a running container's berth.spec-hash label.
  const { specHash, name, kind, ...rest } = pod;
  const ordered = { name, kind, specHash, ...rest };
  if (opts["format"] === "json") {
    process.stdout.write(`${JSON.stringify(ordered, null, 2)}\n`);
    return 0;
  }
  const from = `${displayFile(root, found.source.file)}:${found.source.line}`;
  process.stdout.write(`# berth render ${service}: the pod of ${kind} ${JSON.stringify(name)} from ${from}\n`);
  process.stdout.write(stringify(ordered, { lineWidth: 0, aliasDuplicateObjects: false }));
  return 0;
}
