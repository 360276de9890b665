/**
 * dockerode loads without its BuildKit session helper's gRPC stack
 * (reconciler/docker/load-dockerode.ts), and still works. Run in a fresh
 * process: this one has loaded dockerode already, the usual way.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const loader = fileURLToPath(new URL("../../../reconciler/docker/load-dockerode.ts", import.meta.url));

function inFreshProcess(body: string): Record<string, unknown> {
  const code = `import { createRequire } from "node:module"; import { dockerode } from ${JSON.stringify(loader)};\nconst require = createRequire(import.meta.url);\n${body}`;
  const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8" });
  return JSON.parse(out) as Record<string, unknown>;
}

describe("loading dockerode", function () {
  this.timeout(20_000);

  it("leaves @grpc/grpc-js, @grpc/proto-loader and protobufjs unloaded, and gives a working client class", function () {
    const r = inFreshProcess(`
      const Docker = dockerode();
      const docker = new Docker({ socketPath: "/nonexistent.sock" });
      const grpc = Object.keys(require.cache).filter((f) => /@grpc|protobufjs/.test(f));
      console.log(JSON.stringify({ grpc, session: typeof require.cache[require.resolve("dockerode/lib/session.js")]?.exports, container: typeof docker.getContainer("x").inspect }));
    `);
    assert.deepEqual(r, { grpc: [], session: "function", container: "function" });
  });

  it("loads the real session helper if it is ever called", function () {
    const r = inFreshProcess(`
      dockerode();
      const file = require.resolve("dockerode/lib/session.js");
      const standIn = require.cache[file].exports;
      let error = "";
      try { standIn(undefined, undefined, () => undefined); } catch (e) { error = String(e); }
      console.log(JSON.stringify({ real: require.cache[file].exports !== standIn, grpc: Object.keys(require.cache).some((f) => f.includes("@grpc/grpc-js")) }));
    `);
    assert.deepEqual(r, { real: true, grpc: true });
  });
});
