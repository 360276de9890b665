/**
 * dockerode loads without its BuildKit session helper's gRPC stack or
 * docker-modem's ssh2 (reconciler/docker/load-dockerode.ts), and still
 * works. Run in a fresh process: this one has loaded dockerode already, the
 * usual way.
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

  it("leaves @grpc/grpc-js, @grpc/proto-loader, protobufjs and ssh2 unloaded, and gives a working client class", function () {
    const r = inFreshProcess(`
      const Docker = dockerode();
      const docker = new Docker({ socketPath: "/nonexistent.sock" });
      const unloaded = Object.keys(require.cache).filter((f) => /@grpc|protobufjs|node_modules\\/ssh2\\//.test(f));
      const modem = createRequire(require.resolve("dockerode"));
      console.log(JSON.stringify({
        unloaded,
        session: typeof require.cache[require.resolve("dockerode/lib/session.js")]?.exports,
        ssh: typeof require.cache[modem.resolve("docker-modem/lib/ssh.js")]?.exports,
        container: typeof docker.getContainer("x").inspect,
      }));
    `);
    assert.deepEqual(r, { unloaded: [], session: "function", ssh: "function", container: "function" });
  });

  it("a stand-in loads the real module when it is first called, and only then", function () {
    const r = inFreshProcess(`
      dockerode();
      const file = require.resolve("dockerode/lib/session.js");
      const standIn = require.cache[file].exports;
      const call = () => { try { standIn(undefined, undefined, () => undefined); } catch {} };
      call();
      const real = require.cache[file];
      call();
      console.log(JSON.stringify({ real: real.exports !== standIn, once: require.cache[file] === real, grpc: Object.keys(require.cache).some((f) => f.includes("@grpc/grpc-js")) }));
    `);
    assert.deepEqual(r, { real: true, once: true, grpc: true });
  });
});
