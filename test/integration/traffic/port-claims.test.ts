/**
 * Two services exposing the same port are refused by `berth validate` run as
 * a real process: every host answers on an exposed port, so only one service
 * may claim it. The message names both places, each as file:line.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { berth } from "./traffic-fleet.ts";

function exposing(name: string): string {
  return [
    "apiVersion: berth/v1",
    "kind: Service",
    "metadata:",
    `  name: ${name}`,
    "spec:",
    "  image: 127.0.0.1:5000/berth/app:v1",
    "  ports:",
    "    - name: http",
    "      containerPort: 8080",
    "  expose:",
    "    - port: 18080", // line 11, the value at column 13
    "      targetPort: http",
    "",
  ].join("\n");
}

describe("traffic: an exposed port claimed twice", function () {
  this.timeout(30_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), "berth-port-claims-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("berth validate exits 1 and prints both services' positions", async function () {
    mkdirSync(path.join(dir, "services"));
    writeFileSync(path.join(dir, "services", "api.yaml"), exposing("api"));
    writeFileSync(path.join(dir, "services", "web.yaml"), exposing("web"));
    const r = await berth(["validate", dir]);
    const out = r.stdout + r.stderr;
    assert.equal(r.code, 1, out);
    const line = out.split("\n").find((l) => l.includes("port-conflict") || l.includes("is exposed by"));
    assert.ok(line, `a diagnostic about port 18080: ${out}`);
    assert.equal(
      line,
      `${path.join(dir, "services", "web.yaml")}:11:13: error: port 18080 is exposed by service "web" here and service "api" exposes it at services/api.yaml:11: every host answers on an exposed port, so only one service may claim it (at spec.expose[0].port)`,
    );
    assert.match(out, /invalid: 1 error in 1 file/);
  });
});
