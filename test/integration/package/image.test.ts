/**
 * berth's own container image, as the bed builds it (testbed/images.ts,
 * berthImage): the npm pack tarball staged as /app with the lockfile's
 * production dependencies, on this machine's node instead of node:20-slim.
 * It is built here, in the before hook, not by bed:up: staging takes an
 * npm pack and an npm ci, and only this test needs the image. A rebuild is
 * skipped when the registry holds one from the same files.
 *
 * On engine h1 the image's entrypoint answers --help and --version, and
 * validates examples-repo mounted at /fleet, as `docker run` users would
 * run it.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import { engineClient } from "../../../testbed/engines.ts";
import { berthImage, ensureImage, imageRef } from "../../../testbed/images.ts";
import { repoRoot, type BedLayout } from "../../../testbed/layout.ts";
import { hasTag } from "../../../testbed/registry.ts";
import { useBed } from "../../support/bed.ts";
import { packedBerth, stageApp } from "./packed-berth.ts";

const version = (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string }).version;

/** Runs the image once on `docker` with `cmd`, as `docker run --rm` does; returns its exit code and output. */
async function runOnce(docker: Docker, image: string, cmd: readonly string[], binds: readonly string[] = []): Promise<{ code: number; output: string }> {
  const container = await docker.createContainer({ Image: image, Cmd: [...cmd], Env: ["NO_COLOR=1"], Labels: { "test.package-image": "1" }, HostConfig: { Binds: [...binds] } });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const stream = (await container.logs({ stdout: true, stderr: true, follow: true })) as NodeJS.ReadableStream;
    const sink = new PassThrough();
    let output = "";
    sink.on("data", (c: Buffer) => (output += c.toString()));
    docker.modem.demuxStream(stream, sink, sink);
    await new Promise<void>((resolve) => stream.on("end", () => resolve()));
    return { code: StatusCode, output };
  } finally {
    await container.remove({ force: true });
  }
}

describe("berth's container image on the bed", function () {
  let bed: BedLayout;
  let docker: Docker;
  const image = imageRef("berth/berth", version);

  before(async function () {
    bed = await useBed(this);
    this.timeout(10 * 60_000);
    const pack = await packedBerth();
    const app = path.join(pack.work, "app");
    await stageApp(pack, app);
    docker = engineClient(bed.hosts[0]!);
    const t0 = Date.now();
    const built = await ensureImage(bed, docker, berthImage(version, app), (l) => console.log(`      image: ${l}`));
    console.log(`      image: ${image} ${built ? `built and pushed in ${((Date.now() - t0) / 1000).toFixed(1)} s` : "already in the registry"}`);
  });

  it("is in the bed registry under the package's version", async () => {
    assert.ok(await hasTag(bed.registry, "berth/berth", version));
  });

  it("answers --help (every command named) and --version from its entrypoint", async function () {
    this.timeout(60_000);
    const help = await runOnce(docker, image, ["--help"]);
    assert.equal(help.code, 0, help.output);
    for (const command of ["validate", "render", "plan", "apply", "run", "status", "history", "show", "schema", "import"]) {
      assert.match(help.output, new RegExp(`^  ${command} `, "m"), `--help lists ${command}`);
    }
    const v = await runOnce(docker, image, ["--version"]);
    assert.deepEqual(v, { code: 0, output: `${version}\n` });
  });

  it("validates examples-repo mounted at /fleet", async function () {
    this.timeout(60_000);
    const run = await runOnce(docker, image, ["validate", "/fleet"], [`${path.join(repoRoot, "examples-repo")}:/fleet:ro`]);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /^\/fleet: valid \(3 hosts, /m);
  });
});
