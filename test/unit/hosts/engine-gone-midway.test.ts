/**
 * An engine that answers the pod listing and then drops every other
 * connection, as one does when it goes away in the middle of a verb. Guards
 * the bug where stop, start and remove called dockerode directly: the
 * listing before them was wrapped, so an engine that is not there at all
 * (unreachable.test.ts) could not show that their own calls were not, and
 * they failed as a bare ECONNRESET that named no host.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { DockerodeHost } from "../../../reconciler/docker/dockerode-host.ts";
import { HostUnreachableError } from "../../../reconciler/docker/errors.ts";

describe("hosts: an engine that goes away after listing a pod", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "berth-midway-"));
  const socket = path.join(dir, "docker.sock");
  const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url?.startsWith("/containers/json")) {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify([{ Id: "c1", State: "running", Labels: { "berth.container": "main" } }]));
      return;
    }
    req.socket.destroy();
  });
  const host = new DockerodeHost({ name: "midway", endpoint: `unix://${socket}` });

  before((done) => void server.listen(socket, done));
  after((done) => {
    server.close(() => {
      rmSync(dir, { recursive: true, force: true });
      done();
    });
  });

  const verbs: { verb: string; call: () => Promise<unknown>; what: string }[] = [
    { verb: "stopPod", call: () => host.stopPod("o", "p1", 1000), what: "stopping a container" },
    { verb: "startPod", call: () => host.startPod("o", "p1"), what: "starting a container" },
    { verb: "removePod", call: () => host.removePod("o", "p1"), what: "removing a container" },
  ];
  for (const c of verbs) {
    it(`${c.verb} fails as HostUnreachableError naming the host and the call that failed`, async () => {
      await assert.rejects(c.call(), (err: unknown) => {
        assert.ok(err instanceof HostUnreachableError, `${c.verb}: ${String(err)}`);
        assert.match(err.message, new RegExp(`^host "midway" at unix://.*docker\\.sock cannot be reached: ${c.what}: `));
        return true;
      });
    });
  }
});
