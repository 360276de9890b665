/**
 * Parameter names that are also names on Object.prototype (`constructor`,
 * `toString`, `hasOwnProperty`, `__proto__`) are ordinary names. Guards the
 * bug where `resolveParams` looked them up with `declared[key]` and
 * `key in given`, which see the prototype: an unknown `with: {constructor: x}`
 * was reported as 'must be a undefined', and a declared `toString` parameter
 * was never missing and never got its default.
 */
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../../reconciler/load/diagnostic.ts";
import type { LoadResult } from "../../../reconciler/load/load-fleet.ts";
import { TAIL_TEMPLATE, WEB, lines, loadWith } from "../load/fleet-files.ts";

const WEB_FILE = "services/web.yaml";
const TAIL_FILE = "templates/tail.yaml";

/** The tail template with one more parameter, used as the first argument of `tail`. */
function tailWithParam(name: string, declaration: string): string {
  return TAIL_TEMPLATE.replace("    lines:\n", `    ${name}: ${declaration}\n    lines:\n`).replace('"-F",', `"-F", "\${{ params.${name} }}",`);
}

function command(result: LoadResult): readonly string[] | undefined {
  assert.ok(result.ok, JSON.stringify(result.diagnostics));
  return result.fleet.services[0]?.pod.containers[1]?.command;
}

describe("parameter names that Object.prototype also has", () => {
  // Line 18 is the extra `with:` entry; its key is at column 9.
  for (const name of ["constructor", "toString", "hasOwnProperty", "__proto__"]) {
    it(`with: {${name}: ...} that the template does not declare is an unknown parameter, at its key`, () => {
      const result = loadWith({ [WEB_FILE]: WEB + lines(`        ${name}: x`) });
      assert.deepEqual(result.diagnostics.map((d) => [formatDiagnostic(d), d.code]), [
        [`${WEB_FILE}:18:9: error: template "tail" has no parameter ${JSON.stringify(name)}; it has "path", "lines" (at spec.uses[0].with.${name})`, "unknown-param"],
      ]);
    });
  }

  it("a declared `toString` that the service does not give is a missing parameter, at the uses entry", () => {
    const result = loadWith({ [TAIL_FILE]: tailWithParam("toString", "{ type: string, required: true }") });
    assert.deepEqual(result.diagnostics.map((d) => [formatDiagnostic(d), d.code]), [
      [`${WEB_FILE}:15:7: error: template "tail" needs parameter "toString" (string); add it under \`with:\` (at spec.uses[0])`, "missing-param"],
    ]);
  });

  it("a declared `constructor` with a default gets its default", () => {
    const result = loadWith({ [TAIL_FILE]: tailWithParam("constructor", "{ type: string, default: built-in }") });
    assert.deepEqual(command(result), ["tail", "-n", "10", "-F", "built-in", "/var/log/app/app.log"]);
  });

  // Passes on the old code too (a given value was found by Object.entries); kept so the fix keeps it.
  it("a declared `hasOwnProperty` takes the value the service gives", () => {
    const result = loadWith({ [TAIL_FILE]: tailWithParam("hasOwnProperty", "{ type: integer }"), [WEB_FILE]: WEB + lines("        hasOwnProperty: 3") });
    assert.deepEqual(command(result), ["tail", "-n", "10", "-F", "3", "/var/log/app/app.log"]);
    assert.ok(result.ok);
    // The parameters recorded for the service are the template's own, `hasOwnProperty` among them.
    assert.deepEqual(result.fleet.services[0]?.uses, { tail: { hasOwnProperty: "3", lines: "10", path: "/var/log/app" } });
  });

  // Passes on the old code too (check-template and interpolate already use Object.hasOwn and a Map); kept as a guard.
  it("${{ params.toString }} with no such parameter is an unknown name, at the expression", () => {
    const template = TAIL_TEMPLATE.replace("${{ params.path }}", "${{ params.toString }}");
    const result = loadWith({ [TAIL_FILE]: template });
    assert.deepEqual(result.diagnostics.map((d) => formatDiagnostic(d)), [
      `${TAIL_FILE}:17:61: error: unknown name "params.toString" in \${{ params.toString }}; known names are params.path, params.lines, service.name, service.ports.<port name>, services.<service name>.address (at spec.containers[0].command[4])`,
    ]);
  });
});

describe("template expansion: an env variable named __proto__", () => {
  // Guards the bug where `out[key] = value` sent `__proto__` to the prototype setter, and the variable silently vanished from the pod.
  it("is kept as an ordinary variable", async () => {
    const { loadFleet } = await import("../../../reconciler/load/load-fleet.ts");
    const yaml = 'apiVersion: berth/v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  image: 127.0.0.1:5000/berth/app:v1\n  env:\n    __proto__: kept\n    A: b\n';
    const r = loadFleet({ files: [{ path: "web.yaml", content: yaml }] });
    assert.ok(r.ok, JSON.stringify(r.diagnostics));
    if (!r.ok) return;
    const env = r.fleet.services[0]!.pod.containers[0]!.env;
    assert.deepEqual(Object.keys(env), ["A", "__proto__"]);
    assert.equal(Object.getOwnPropertyDescriptor(env, "__proto__")?.value, "kept");
  });
});
