/**
 * Two ways an import could publish what Compose kept private, found in
 * review: a secret variable's value interpolated into a command, a URL or a
 * health check (berth files live in git), and a port Compose bound to
 * loopback (exposing it would serve it on every host's address).
 */
import assert from "node:assert/strict";
import { importCompose } from "../../../reconciler/import/import-compose.ts";

function run(compose: string, env: Record<string, string> = {}) {
  const files: Record<string, string> = { "/p/compose.yaml": compose };
  return importCompose({ files: ["compose.yaml"], cwd: "/p", home: "/home/u", environment: env, readFile: (f: string) => files[f] });
}

describe("import: secrets stay out of the berth files", () => {
  const cases = [
    { name: "in a command", yaml: ["services:", "  cache:", "    image: redis", "    command: redis-server --requirepass ${REDIS_PASSWORD}", ""], line: 4, variable: "REDIS_PASSWORD" },
    { name: "in a URL in the environment", yaml: ["services:", "  app:", "    image: app", "    environment:", "      DATABASE_URL: postgres://app:${DB_PASSWORD}@db/app", ""], line: 5, variable: "DB_PASSWORD" },
    { name: "in a list entry of another name (a Rails secret key base)", yaml: ["services:", "  app:", "    image: app", "    environment:", "      - RAILS_CONFIG=key=${SECRET_KEY_BASE}", ""], line: 5, variable: "SECRET_KEY_BASE" },
  ];
  for (const c of cases) {
    it(`a secret variable's value ${c.name} is refused at the expression, and the value appears nowhere`, () => {
      const r = run(c.yaml.join("\n"), { [c.variable]: "hunter2-value" });
      assert.equal(r.ok, false);
      const d = r.diagnostics.filter((x) => x.code === "secret-in-value");
      // The column of the expression, counted from the text itself.
      const col = c.yaml[c.line - 1]!.indexOf(`\${${c.variable}`) + 1;
      assert.deepEqual(d.map((x) => [x.file, x.line, x.col, x.severity]), [["compose.yaml", c.line, col, "error"]]);
      assert.match(d[0]!.message, new RegExp(`^\\$\\{${c.variable}\\} looks like a secret`));
      assert.ok(!JSON.stringify(r).includes("hunter2-value"), "the value is in no output and no message");
    });
  }

  it("an environment entry of its own secret name becomes a reference, with no value and no refusal", () => {
    const r = run(["services:", "  app:", "    image: app", "    environment:", "      DB_PASSWORD: ${DB_PASSWORD}", ""].join("\n"), { DB_PASSWORD: "hunter2-value" });
    assert.equal(r.ok, true, JSON.stringify(r.diagnostics));
    assert.match(r.services[0]!.content, /fromEnv: BERTH_SECRET_DB_PASSWORD/);
    assert.ok(!r.services[0]!.content.includes("hunter2-value"));
  });
});

describe("import: a port Compose bound to loopback is not exposed", () => {
  for (const bind of ["127.0.0.1:5432:5432", "[::1]:5432:5432"]) {
    it(`${bind}: declared, not exposed, and said so at the entry`, () => {
      const r = run(["services:", "  db:", "    image: postgres", "    ports:", `      - "${bind}"`, ""].join("\n"));
      assert.equal(r.ok, true, JSON.stringify(r.diagnostics));
      const doc = r.services[0]!.document as { spec: { ports?: { containerPort: number }[]; expose?: unknown } };
      assert.deepEqual(doc.spec.ports?.map((p) => p.containerPort), [5432]);
      assert.equal(doc.spec.expose, undefined);
      const w = r.diagnostics.filter((x) => /bound to loopback/.test(x.message));
      assert.deepEqual(w.map((x) => [x.line, x.severity]), [[5, "warning"]]);
    });
  }

  it("a port bound to another address is still exposed (its address dropped, as before)", () => {
    const r = run(["services:", "  web:", "    image: nginx", "    ports:", '      - "10.0.0.5:8080:80"', ""].join("\n"));
    const doc = r.services[0]!.document as { spec: { expose?: { port: number }[] } };
    assert.deepEqual(doc.spec.expose?.map((e) => e.port), [8080]);
  });
});
