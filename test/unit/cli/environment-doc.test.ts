/**
 * Every BERTH_* and DOCKER_* variable the code names is in docs/environment.md
 * and in `berth --help`, so a variable added to the code without a word for
 * its users fails here (issue 17: "every DOCKER_* and BERTH_* variable is
 * documented").
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** Names that look like variables berth reads but are not: a container's own variable, a regex, a constant. */
const NOT_READ = new Set(["BERTH_HAPROXY_BOOT", "BERTH_DURATION", "DOCKER_HUB"]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

describe("cli: the environment is documented", function () {
  this.timeout(30_000);
  const names = new Set<string>();
  for (const file of sources("reconciler")) {
    for (const m of readFileSync(file, "utf8").matchAll(/\b(?:BERTH|DOCKER)_[A-Z_]*[A-Z]_?/g)) {
      // The prefix BERTH_SECRET_ is documented as BERTH_SECRET_*.
      const name = m[0].endsWith("_") ? `${m[0]}*` : m[0];
      if (!NOT_READ.has(name)) names.add(name);
    }
  }
  const doc = readFileSync("docs/environment.md", "utf8");
  const help = execFileSync(process.execPath, ["--import", "tsx", "reconciler/cli/main.ts", "--help"], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });

  it("the code names the variables this test knows of (the scan works)", () => {
    for (const v of ["BERTH_CONFIG", "BERTH_REGISTRY_CONFIG", "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "BERTH_SECRET_*"]) assert.ok(names.has(v), v);
  });
  it("each is in docs/environment.md's tables", () => {
    assert.deepEqual([...names].filter((v) => !doc.includes(`| \`${v}\` |`)), []);
  });
  it("each is in `berth --help`, which points at docs/environment.md", () => {
    assert.deepEqual([...names].filter((v) => !help.includes(v)), []);
    assert.match(help, /docs\/environment\.md/);
    for (const v of ["NO_COLOR", "SSH_AUTH_SOCK"]) assert.ok(help.includes(v) && doc.includes(`| \`${v}\` |`), v);
  });
});
