/**
 * The observation's reads against a real HTTP server on loopback and on a
 * unix socket: both GETs of an observation share one connection, which is
 * closed once neither is pending; a read is cancelled at its timeout with
 * its socket; an engine's error answer keeps its status and message.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import os from "node:os";
import path from "node:path";
import { EngineAnswerError, EngineReads } from "../../../reconciler/docker/engine-reads.ts";

const deadline = { timeoutMs: 5_000, what: "reading" };

interface Engine {
  server: http.Server;
  connections: number;
  open: Set<Socket>;
  requests: string[];
}

async function engine(listen: (s: http.Server, ready: () => void) => void, answer?: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Engine> {
  const e: Engine = { server: http.createServer(), connections: 0, open: new Set(), requests: [] };
  e.server.on("connection", (s: Socket) => {
    e.connections++;
    e.open.add(s);
    s.on("close", () => e.open.delete(s));
  });
  e.server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    e.requests.push(req.url ?? "");
    if (answer) return answer(req, res);
    res.setHeader("content-type", "application/json");
    res.end(req.url === "/info" ? JSON.stringify({ NCPU: 4, MemTotal: 8 }) : JSON.stringify([{ Id: "c1" }]));
  });
  await new Promise<void>((resolve) => listen(e.server, resolve));
  return e;
}

/** The connections still open at the engine once they had up to a second to close. */
async function closeSoon(e: Engine): Promise<number> {
  for (let waited = 0; e.open.size > 0 && waited < 1_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  return e.open.size;
}
const stop = (e: Engine) => {
  for (const s of e.open) s.destroy();
  return new Promise<void>((resolve) => e.server.close(() => resolve()));
};

describe("docker: the observation's reads", function () {
  it("asks for the containers and the info on one connection, and closes it once both are answered", async () => {
    const e = await engine((s, ready) => s.listen(0, "127.0.0.1", ready));
    const reads = new EngineReads({ kind: "tcp", host: "127.0.0.1", port: (e.server.address() as AddressInfo).port });
    const [list, info] = await Promise.all([reads.getJson<{ Id: string }[]>("/containers/json?all=1", deadline), reads.getJson<{ NCPU: number }>("/info", deadline)]);
    assert.deepEqual(list, [{ Id: "c1" }]);
    assert.equal(info.NCPU, 4);
    assert.deepEqual(e.requests, ["/containers/json?all=1", "/info"]);
    assert.equal(e.connections, 1, "both reads on one connection");
    assert.equal(await closeSoon(e), 0, "the socket is closed once no read is pending");
    // The next observation opens a connection of its own.
    await reads.getJson("/info", deadline);
    assert.equal(e.connections, 2);
    assert.equal(await closeSoon(e), 0);
    await stop(e);
  });

  it("reads through a unix socket the same way", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "berth-engine-reads-"));
    const socketPath = path.join(dir, "docker.sock");
    const e = await engine((s, ready) => s.listen(socketPath, ready));
    try {
      const reads = new EngineReads({ kind: "unix", socketPath });
      await Promise.all([reads.getJson("/containers/json?all=1", deadline), reads.getJson("/info", deadline)]);
      assert.equal(e.connections, 1);
      assert.equal(await closeSoon(e), 0);
    } finally {
      await stop(e);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives up at its timeout and closes the socket of an engine that never answers", async () => {
    const e = await engine((s, ready) => s.listen(0, "127.0.0.1", ready), () => undefined);
    const reads = new EngineReads({ kind: "tcp", host: "127.0.0.1", port: (e.server.address() as AddressInfo).port });
    const started = Date.now();
    const outcomes = await Promise.allSettled([reads.getJson("/containers/json?all=1", { timeoutMs: 200, what: "listing containers" }), reads.getJson("/info", { timeoutMs: 200, what: "reading engine info" })]);
    assert.ok(Date.now() - started < 2_000, `gave up after ${Date.now() - started} ms`);
    assert.deepEqual(
      outcomes.map((o) => (o.status === "rejected" ? [(o.reason as { code?: string }).code, (o.reason as Error).message] : o.status)),
      [
        ["ETIMEDOUT", "listing containers timed out after 0.2 s"],
        ["ETIMEDOUT", "reading engine info timed out after 0.2 s"],
      ],
    );
    assert.equal(await closeSoon(e), 0, "no socket left open to the hung engine");
    await stop(e);
  });

  it("gives up at its timeout on an engine that stops in the middle of its answer", async () => {
    const e = await engine(
      (s, ready) => s.listen(0, "127.0.0.1", ready),
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.write("[{");
      },
    );
    const reads = new EngineReads({ kind: "tcp", host: "127.0.0.1", port: (e.server.address() as AddressInfo).port });
    const err = await reads.getJson("/containers/json?all=1", { timeoutMs: 200, what: "listing containers" }).then(
      () => assert.fail("a cut answer resolved"),
      (x: unknown) => x as Error & { code?: string },
    );
    assert.equal(err.code, "ETIMEDOUT");
    assert.equal(err.message, "listing containers timed out after 0.2 s");
    assert.equal(await closeSoon(e), 0, "no socket left open to the stalled engine");
    await stop(e);
  });

  it("an error answer keeps the engine's status and message, as docker-modem's does", async () => {
    const e = await engine(
      (s, ready) => s.listen(0, "127.0.0.1", ready),
      (_req, res) => res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ message: "engine is shutting down" })),
    );
    const reads = new EngineReads({ kind: "tcp", host: "127.0.0.1", port: (e.server.address() as AddressInfo).port });
    const err = await reads.getJson("/info", deadline).then(
      () => assert.fail("an error answer resolved"),
      (x: unknown) => x,
    );
    assert.ok(err instanceof EngineAnswerError);
    assert.equal(err.statusCode, 500);
    assert.equal(err.json?.message, "engine is shutting down");
    assert.match(err.message, /HTTP code 500.*engine is shutting down/);
    await stop(e);
  });
});
