/**
 * The default host from a docker context, end to end: a DOCKER_CONFIG laid
 * out as `docker context create` writes it (docker 28.2), whose current
 * context points at one of the bed's engines, and berth reaching that
 * engine with no Host in the repository and no DOCKER_HOST.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { contextId } from "../../../reconciler/docker/docker-context.ts";
import { connectHosts } from "../../../reconciler/pipeline/connect-hosts.ts";
import type { BedLayout } from "../../../testbed/layout.ts";
import { useBed } from "../../support/bed.ts";

describe("hosts: the default host from the current docker context", function () {
  this.timeout(60_000);
  let bed: BedLayout;
  let dir: string;

  before(async function () {
    bed = await useBed(this);
    dir = mkdtempSync(path.join(os.tmpdir(), "berth-docker-context-"));
    const meta = path.join(dir, "contexts", "meta", contextId("bed-h3"));
    mkdirSync(meta, { recursive: true });
    writeFileSync(path.join(meta, "meta.json"), JSON.stringify({ Name: "bed-h3", Metadata: {}, Endpoints: { docker: { Host: `unix://${bed.hosts[2]!.socket}`, SkipTLSVerify: false } } }));
    writeFileSync(path.join(dir, "config.json"), JSON.stringify({ auths: {}, currentContext: "bed-h3" }));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it("`docker context use`'s choice is the engine berth observes", async () => {
    const connected = connectHosts([], { HOME: dir, DOCKER_CONFIG: dir });
    assert.deepEqual([...connected.refused], []);
    const local = connected.hosts.get("local");
    assert.ok(local, "the default host is connected");
    // The engines share one machine, so the endpoint says which one; the engine answering says it is reached.
    assert.equal(connected.specs[0]!.endpoint, `unix://${bed.hosts[2]!.socket}`);
    assert.ok((await local.capacity()).cpu > 0);
  });

  it("DOCKER_HOST still beats the context, as for docker", () => {
    const other = `unix://${bed.hosts[0]!.socket}`;
    const connected = connectHosts([], { HOME: dir, DOCKER_CONFIG: dir, DOCKER_HOST: other });
    assert.equal(connected.specs[0]!.endpoint, other);
  });
});
