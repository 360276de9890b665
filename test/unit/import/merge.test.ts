/**
 * Several -f files, extends and anchors, on small in-memory projects: the
 * merge rules of the specification one by one, and positions that point
 * into the file that set the key.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { importCompose, type ComposeImport } from "../../../reconciler/import/import-compose.ts";

function run(files: Record<string, string>, order: string[], environment: Record<string, string> = {}): ComposeImport {
  return importCompose({
    files: order,
    readFile: (p) => files[path.relative("/p", p)],
    cwd: "/p",
    home: "/home/u",
    environment,
  });
}

function spec(r: ComposeImport, name = "web"): Record<string, unknown> {
  const s = r.services.find((x) => x.name === name);
  assert.ok(s, `service ${name} imported; diagnostics: ${JSON.stringify(r.diagnostics)}`);
  return (s.document as { spec: Record<string, unknown> }).spec;
}

const BASE = ["services:", "  web:", "    image: app:1", "    command: [serve, --dev]", "    environment: [A=1, B=2]", "    ports: [\"8080:80\"]", "    volumes: [\"data:/data\"]", "    healthcheck:", "      test: [CMD, check, one]", "      interval: 5s", "volumes:", "  data:", "  other:", ""].join("\n");

const cases: { name: string; over: string; check: (s: Record<string, unknown>) => void }[] = [
  { name: "scalars: the later file wins", over: "services:\n  web:\n    image: app:2\n", check: (s) => assert.equal(s["image"], "app:2") },
  { name: "command is replaced, not appended", over: "services:\n  web:\n    command: [serve]\n", check: (s) => assert.deepEqual(s["args"], ["serve"]) },
  { name: "environment merges by name, list or mapping", over: "services:\n  web:\n    environment:\n      B: three\n      C: '4'\n", check: (s) => assert.deepEqual(s["env"], { A: "1", B: "three", C: "4" }) },
  {
    name: "ports with another identity are appended",
    over: "services:\n  web:\n    ports: [\"8443:443\"]\n",
    check: (s) => assert.deepEqual(s["expose"], [{ port: 8080, targetPort: "port-80" }, { port: 8443, targetPort: "port-443" }]),
  },
  { name: "the same port is not doubled", over: "services:\n  web:\n    ports: [\"8080:80\"]\n", check: (s) => assert.deepEqual(s["expose"], [{ port: 8080, targetPort: "port-80" }]) },
  {
    name: "a volume with the same target replaces the earlier one",
    over: "services:\n  web:\n    volumes: [\"other:/data\"]\n",
    check: (s) => assert.deepEqual(s["volumes"], [{ name: "other", mountPath: "/data", volume: "p_other" }]),
  },
  {
    name: "healthcheck merges, its test is replaced",
    over: "services:\n  web:\n    healthcheck:\n      test: [CMD, check, two]\n",
    check: (s) => assert.deepEqual(s["health"], { exec: { command: ["check", "two"] }, interval: "5s" }),
  },
];

describe("import: merging -f files", () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = run({ "compose.yaml": BASE, "over.yaml": c.over }, ["compose.yaml", "over.yaml"]);
      assert.equal(r.ok, true, JSON.stringify(r.diagnostics));
      c.check(spec(r));
    });
  }

  it("a warning about a key set by the override file points into the override file", () => {
    const r = run({ "compose.yaml": BASE, "over.yaml": "services:\n  web:\n    user: '1000'\n" }, ["compose.yaml", "over.yaml"]);
    assert.deepEqual(r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.path}`), ["over.yaml:3:5 services.web.user"]);
  });
});

describe("import: extends and anchors", () => {
  it("extends merges the base under the service, and a cycle is refused at its extends key", () => {
    const ok = run({ "compose.yaml": "services:\n  base:\n    image: app:1\n    environment: {A: '1'}\n  web:\n    extends: base\n    environment: {B: '2'}\n" }, ["compose.yaml"]);
    assert.deepEqual(spec(ok)["env"], { A: "1", B: "2" });
    const cycle = run({ "compose.yaml": "services:\n  a:\n    image: x\n    extends: b\n  b:\n    image: x\n    extends: a\n" }, ["compose.yaml"]);
    assert.equal(cycle.ok, false);
    assert.deepEqual(cycle.diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`), ["4:5 extends-cycle"]);
  });

  it("extends naming a service that is not there says which there are", () => {
    const r = run({ "compose.yaml": "services:\n  web:\n    image: x\n    extends: bsae\n  base:\n    image: y\n" }, ["compose.yaml"]);
    assert.match(r.diagnostics[0]?.message ?? "", /extends names service "bsae", which this file does not define \(its services: web, base\)/);
  });

  it("a merge key fills in only what the mapping does not set, and a warning inside an anchor points at the anchor", () => {
    const text = ["x-base: &base", "  image: app:1", "  user: root", "services:", "  web:", "    <<: *base", "    image: app:2", ""].join("\n");
    const r = run({ "compose.yaml": text }, ["compose.yaml"]);
    assert.equal(spec(r)["image"], "app:2");
    assert.deepEqual(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.path}`), ["3:3 services.web.user"]);
  });

  it("an alias bomb is refused", () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 6; i++) lines.push(`${"bcdefg"[i]}: &${"bcdefg"[i]} [${Array(10).fill(`*${i === 0 ? "a" : "bcdefg"[i - 1]}`).join(", ")}]`);
    lines.push("services:", "  web:", "    image: x");
    const r = run({ "compose.yaml": lines.join("\n") }, ["compose.yaml"]);
    assert.equal(r.ok, false);
    assert.match(r.diagnostics.map((d) => d.message).join("\n"), /alias bomb/);
  });

  it("the process environment wins over .env, and --profile-less COMPOSE_PROFILES selects profiles", () => {
    const files = { ".env": "TAG=from-dotenv\nCOMPOSE_PROFILES=tools\n", "compose.yaml": "services:\n  web:\n    image: app:${TAG}\n  tool:\n    image: t\n    profiles: [tools]\n" };
    const r = run(files, ["compose.yaml"], { TAG: "from-env" });
    assert.equal(spec(r)["image"], "app:from-env");
    assert.deepEqual(r.services.map((s) => s.name), ["web", "tool"]);
  });

  it("--prefix names every service, and two names that would clash are refused", () => {
    const prefixed = importCompose({ files: ["c.yaml"], readFile: () => "services:\n  Web_1:\n    image: x\n", cwd: "/p", home: "/h", environment: {}, prefix: "shop" });
    assert.deepEqual(prefixed.services.map((s) => s.name), ["shop-web-1"]);
    const clash = run({ "compose.yaml": "services:\n  my_app:\n    image: x\n  my-app:\n    image: y\n" }, ["compose.yaml"]);
    assert.equal(clash.ok, false);
    assert.deepEqual(clash.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.line}:${d.col} ${d.code}`), ["4:3 compose-name-clash"]);
  });
});
