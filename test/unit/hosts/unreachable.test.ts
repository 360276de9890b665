/**
 * Every verb of the adapter, against an engine that is not there (a socket
 * path with nothing behind it): each fails as HostUnreachableError naming
 * the host, so the rollout and the daemon can say which host and retry.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DockerodeHost } from "../../../reconciler/docker/dockerode-host.ts";
import { HostUnreachableError } from "../../../reconciler/docker/errors.ts";

describe("hosts: an engine that cannot be reached", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "berth-nohost-"));
  const endpoint = `unix://${path.join(dir, "docker.sock")}`;
  const host = new DockerodeHost({ name: "gone", endpoint });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const verbs: [string, () => Promise<unknown>][] = [
    ["observe", () => host.observe("o")],
    ["portsInUse", () => host.portsInUse("o")],
    ["capacity", () => host.capacity()],
    ["pull", () => host.pull("127.0.0.1:5000/berth/app:v1")],
    ["stopPod", () => host.stopPod("o", "p1", 1000)],
    ["startPod", () => host.startPod("o", "p1")],
    ["removePod", () => host.removePod("o", "p1")],
    ["status", () => host.status("c1")],
    ["exec", () => host.exec("c1", ["true"], 1000)],
    ["logsTail", () => host.logsTail("c1", 10)],
  ];
  for (const [verb, call] of verbs) {
    it(`${verb} fails as HostUnreachableError naming the host`, async () => {
      await assert.rejects(call(), (err: unknown) => {
        assert.ok(err instanceof HostUnreachableError, `${verb}: ${String(err)}`);
        assert.match(err.message, /^host "gone" at unix:\/\/.*docker\.sock cannot be reached: /);
        return true;
      });
    });
  }

  it("events report the failure through onEnd, so the caller re-subscribes", async () => {
    const ended = await new Promise<Error | undefined>((resolve) => host.events("o", () => undefined, resolve));
    assert.ok(ended instanceof Error);
  });
});
