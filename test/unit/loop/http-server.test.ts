import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import net from "node:net";
import type { AddressInfo } from "node:net";
import type { ServerType } from "@hono/node-server";
import { Registry } from "prom-client";
import { HTTP_TIMEOUTS, httpApp, parseListen, startHttp, WEBHOOK_MAX_BYTES, type HttpDeps } from "../../../reconciler/loop/http-server.ts";
import type { DaemonStatus } from "../../../reconciler/loop/status.ts";

const STATUS: DaemonStatus = { owner: "o", leader: true, source: { identity: "fake://fleet" }, services: [], hosts: [], held: [], diagnostics: [], jobs: [] };
const SECRET = "s3cret";
const sign = (body: string | Uint8Array, secret = SECRET) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
/** A well-formed signature that matches no body. */
const BOGUS = `sha256=${"0".repeat(64)}`;

/**
 * A request body that hands out `chunk` on each pull, `chunks` times, then
 * ends (`then: "end"`) or stalls until `end()` is called (`then: "stall"`);
 * `pulled` counts what the server read. Nothing is pulled ahead of a read.
 */
function streamedBody(opts: { chunk: Uint8Array; chunks: number; then: "end" | "stall" }) {
  let pulled = 0;
  let wake: (() => void) | undefined;
  let ended = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull: async (c) => {
        if (pulled >= opts.chunks) {
          if (opts.then === "stall" && !ended) await new Promise<void>((resolve) => (wake = resolve));
          return c.close();
        }
        pulled++;
        c.enqueue(opts.chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return {
    stream,
    get pulled() {
      return pulled;
    },
    end() {
      ended = true;
      wake?.();
    },
  };
}

const post = (body: ReadableStream<Uint8Array>, headers: Record<string, string>) => ({ method: "POST", body, headers, duplex: "half" }) as RequestInit;

describe("the daemon's HTTP face", function () {
  let hooks = 0;
  const deps = (over: Partial<HttpDeps> = {}): HttpDeps => ({ status: () => STATUS, registry: new Registry(), onWebhook: () => void hooks++, ...over });
  const app = (webhookSecret?: string) => httpApp(deps(webhookSecret ? { webhookSecret } : {}));
  beforeEach(() => (hooks = 0));

  it("serves /healthz, /status as JSON and /metrics as Prometheus text", async function () {
    const a = app();
    assert.equal(await (await a.request("/healthz")).text(), "ok\n");
    assert.deepEqual(await (await a.request("/status")).json(), STATUS);
    assert.match((await a.request("/metrics")).headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  });

  const hookCases: { name: string; secret?: string; body: string; sig?: (b: string) => string; status: number; hooks: number }[] = [
    { name: "signed: accepted, and a fetch is asked for", secret: SECRET, body: '{"ref":"refs/heads/main"}', sig: sign, status: 202, hooks: 1 },
    { name: "unsigned: refused", secret: SECRET, body: "{}", status: 401, hooks: 0 },
    { name: "signed with another secret: refused", secret: SECRET, body: "{}", sig: (b) => sign(b, "other"), status: 401, hooks: 0 },
    { name: "signed over a different body: refused", secret: SECRET, body: '{"ref":"refs/heads/main"}', sig: () => sign('{"ref":"refs/heads/evil"}'), status: 401, hooks: 0 },
    { name: "with a malformed signature: refused", secret: SECRET, body: "{}", sig: (b) => sign(b).slice(0, 40), status: 401, hooks: 0 },
    { name: "without a secret configured the webhook is off", body: "{}", sig: sign, status: 404, hooks: 0 },
  ];
  for (const c of hookCases) {
    it(`POST /hooks/git ${c.name}`, async function () {
      const res = await app(c.secret).request("/hooks/git", { method: "POST", body: c.body, headers: c.sig ? { "x-hub-signature-256": c.sig(c.body) } : {} });
      assert.equal(res.status, c.status);
      assert.equal(hooks, c.hooks);
    });
  }

  it("POST /hooks/git refuses a Content-Length over the limit before reading it", async function () {
    const res = await app(SECRET).request("/hooks/git", post(streamedBody({ chunk: new Uint8Array(1), chunks: 0, then: "stall" }).stream, { "content-length": String(WEBHOOK_MAX_BYTES + 1), "x-hub-signature-256": BOGUS }));
    assert.equal(res.status, 413);
    assert.equal(hooks, 0);
  });

  it("parses --listen as host:port, :port or a bare port", function () {
    assert.deepEqual(parseListen("127.0.0.1:9470"), { hostname: "127.0.0.1", port: 9470 });
    assert.deepEqual(parseListen(":9470"), { hostname: "127.0.0.1", port: 9470 });
    assert.deepEqual(parseListen("0.0.0.0:80"), { hostname: "0.0.0.0", port: 80 });
    assert.throws(() => parseListen("localhost"), /--listen "localhost" is not host:port/);
    assert.throws(() => parseListen("public", "--webhook-listen"), /--webhook-listen "public" is not host:port/);
  });

  // Guards: /status and /metrics had no authentication at all.
  describe("with BERTH_STATUS_TOKEN", function () {
    const TOKEN = "tok-0123456789abcdef";
    const guarded = () => httpApp(deps({ statusToken: TOKEN, webhookSecret: SECRET }));
    const cases: { name: string; authorization?: string; status: number }[] = [
      { name: "no Authorization header", status: 401 },
      { name: "the right token", authorization: `Bearer ${TOKEN}`, status: 200 },
      { name: "the right token, scheme in lower case", authorization: `bearer ${TOKEN}`, status: 200 },
      { name: "a wrong token of the same length", authorization: `Bearer ${TOKEN.replace("tok", "kot")}`, status: 401 },
      { name: "a wrong token of another length", authorization: `Bearer ${TOKEN}x`, status: 401 },
      { name: "a prefix of the token", authorization: `Bearer ${TOKEN.slice(0, 3)}`, status: 401 },
      { name: "an empty token", authorization: "Bearer ", status: 401 },
      { name: "the token under another scheme", authorization: `Basic ${TOKEN}`, status: 401 },
      { name: "the bare token", authorization: TOKEN, status: 401 },
    ];
    for (const path of ["/status", "/metrics"]) {
      for (const c of cases) {
        it(`GET ${path} with ${c.name}: ${c.status}`, async function () {
          const res = await guarded().request(path, { headers: c.authorization !== undefined ? { authorization: c.authorization } : {} });
          assert.equal(res.status, c.status);
          if (c.status === 401) {
            assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="berth"');
            assert.deepEqual(await res.json(), { error: `${path} needs the header "Authorization: Bearer <token>", with the token berth run was started with in BERTH_STATUS_TOKEN` });
          }
        });
      }
    }

    it("leaves /healthz open, and the webhook to its signature", async function () {
      const a = guarded();
      assert.equal((await a.request("/healthz")).status, 200);
      const body = "{}";
      assert.equal((await a.request("/hooks/git", { method: "POST", body, headers: { "x-hub-signature-256": sign(body) } })).status, 202);
    });
  });

  // Guards: the webhook shared the status listener, so exposing it exposed /status and /metrics too.
  describe("with --webhook-listen", function () {
    const body = '{"ref":"refs/heads/main"}';
    const signed = { method: "POST", body, headers: { "x-hub-signature-256": sign(body) } };

    it("the status listener answers 404 for POST /hooks/git, even signed", async function () {
      const a = httpApp(deps({ webhookSecret: SECRET, routes: "status" }));
      const res = await a.request("/hooks/git", signed);
      assert.equal(res.status, 404);
      assert.deepEqual(await res.json(), { error: "POST /hooks/git is not served on this address: berth run serves it on --webhook-listen" });
      assert.equal(hooks, 0);
      assert.equal((await a.request("/healthz")).status, 200);
      assert.equal((await a.request("/status")).status, 200);
    });

    it("the webhook listener serves POST /hooks/git and /healthz, and nothing of the status", async function () {
      const a = httpApp(deps({ webhookSecret: SECRET, routes: "webhook" }));
      assert.equal((await a.request("/hooks/git", signed)).status, 202);
      assert.equal(hooks, 1);
      assert.equal((await a.request("/healthz")).status, 200);
      assert.equal((await a.request("/status")).status, 404);
      assert.equal((await a.request("/metrics")).status, 404);
    });
  });

  // Guards: up to 25 MiB of an unsigned body was buffered per request before the HMAC check.
  describe("webhook bodies are hashed as they stream, never held", function () {
    const KiB = new Uint8Array(1024).fill(120);

    it("a request without X-Hub-Signature-256 is refused before a byte of its body is read", async function () {
      const body = streamedBody({ chunk: KiB, chunks: 1_000_000, then: "stall" });
      const res = await app(SECRET).request("/hooks/git", post(body.stream, {}));
      assert.equal(res.status, 401);
      assert.equal(res.headers.get("connection"), "close");
      assert.match(((await res.json()) as { error: string }).error, /^missing X-Hub-Signature-256/);
      assert.equal(body.pulled, 0);
    });

    it("an endless body without Content-Length is cut with 413 once past the cap, not read on", async function () {
      const body = streamedBody({ chunk: KiB, chunks: 1_000_000, then: "stall" });
      const a = httpApp(deps({ webhookSecret: SECRET, webhookLimits: { maxBodyBytes: 16 * 1024 } }));
      const res = await a.request("/hooks/git", post(body.stream, { "x-hub-signature-256": BOGUS }));
      assert.equal(res.status, 413);
      // The 17th KiB passes the 16 KiB cap; nothing after it is read.
      assert.equal(body.pulled, 17);
      assert.equal(hooks, 0);
    });

    it("a body signed as a whole is accepted when it arrives in many chunks", async function () {
      const body = streamedBody({ chunk: KiB, chunks: 100, then: "end" });
      const whole = new Uint8Array(100 * 1024).fill(120);
      const res = await app(SECRET).request("/hooks/git", post(body.stream, { "x-hub-signature-256": sign(whole) }));
      assert.equal(res.status, 202);
      assert.equal(body.pulled, 100);
      assert.equal(hooks, 1);
    });

    it("a signature over a different body is refused after the body is read", async function () {
      const body = streamedBody({ chunk: KiB, chunks: 100, then: "end" });
      const other = new Uint8Array(100 * 1024).fill(121);
      const res = await app(SECRET).request("/hooks/git", post(body.stream, { "x-hub-signature-256": sign(other) }));
      assert.equal(res.status, 401);
      assert.equal(hooks, 0);
    });

    // Guards: a flood of uploads could take every socket and the CPU.
    it("bodies beyond the in-flight cap get 503 with Retry-After; a freed slot is used again", async function () {
      const a = httpApp(deps({ webhookSecret: SECRET, webhookLimits: { maxInFlight: 2 } }));
      const stalled = [streamedBody({ chunk: KiB, chunks: 1, then: "stall" }), streamedBody({ chunk: KiB, chunks: 1, then: "stall" })];
      const reading = stalled.map((b) => a.request("/hooks/git", post(b.stream, { "x-hub-signature-256": BOGUS })));
      while (stalled.some((b) => b.pulled === 0)) await new Promise((r) => setTimeout(r, 5));
      const turnedAway = await a.request("/hooks/git", post(streamedBody({ chunk: KiB, chunks: 1, then: "stall" }).stream, { "x-hub-signature-256": BOGUS }));
      assert.equal(turnedAway.status, 503);
      assert.equal(turnedAway.headers.get("retry-after"), "2");
      for (const b of stalled) b.end();
      assert.deepEqual((await Promise.all(reading)).map((r) => r.status), [401, 401]);
      const body = "{}";
      assert.equal((await a.request("/hooks/git", { method: "POST", body, headers: { "x-hub-signature-256": sign(body) } })).status, 202);
    });
  });

  describe("on node's http server", function () {
    const FAST = { headersMs: 300, requestMs: 500, keepAliveMs: 300, checkEveryMs: 100 };
    let server: ServerType | undefined;
    afterEach(async () => {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = undefined;
    });
    const portOf = (s: ServerType) => (s.address() as AddressInfo).port;

    /** Opens a raw socket, writes `head`, then one byte every `dripMs`; resolves with what came back and when the server closed it. */
    function drip(port: number, head: string, dripMs: number): Promise<{ ms: number; reply: string }> {
      return new Promise((resolve) => {
        const t0 = performance.now();
        const socket = net.connect(port, "127.0.0.1", () => socket.write(head));
        let reply = "";
        const timer = setInterval(() => socket.writable && socket.write("x"), dripMs);
        socket.on("data", (d) => (reply += d.toString()));
        socket.on("error", () => undefined);
        socket.on("close", () => {
          clearInterval(timer);
          resolve({ ms: performance.now() - t0, reply });
        });
      });
    }

    it("is started with the header, request and keep-alive timeouts", async function () {
      server = await startHttp(app(SECRET), "127.0.0.1:0");
      const s = server as unknown as { headersTimeout: number; requestTimeout: number; keepAliveTimeout: number };
      assert.deepEqual([s.headersTimeout, s.requestTimeout, s.keepAliveTimeout], [HTTP_TIMEOUTS.headersMs, HTTP_TIMEOUTS.requestMs, HTTP_TIMEOUTS.keepAliveMs]);
      assert.ok(HTTP_TIMEOUTS.requestMs + HTTP_TIMEOUTS.checkEveryMs <= 30_000, "a request is cut within 30 s");
    });

    // Guards: a 1-byte-per-5-s body drip stayed open for minutes (and held a webhook slot).
    it("cuts a slow-drip body at the request timeout and frees its slot", async function () {
      server = await startHttp(httpApp(deps({ webhookSecret: SECRET, webhookLimits: { maxInFlight: 1 } })), "127.0.0.1:0", { timeouts: FAST });
      const port = portOf(server);
      const cut = await drip(port, `POST /hooks/git HTTP/1.1\r\nhost: x\r\nx-hub-signature-256: ${BOGUS}\r\ncontent-length: 1000\r\n\r\n`, 50);
      assert.ok(cut.ms < FAST.requestMs + 3 * FAST.checkEveryMs, `cut after ${cut.ms.toFixed(0)} ms`);
      assert.match(cut.reply, /^HTTP\/1\.1 408/);
      const body = "{}";
      const res = await fetch(`http://127.0.0.1:${port}/hooks/git`, { method: "POST", body, headers: { "x-hub-signature-256": sign(body) } });
      assert.equal(res.status, 202);
    });

    it("cuts headers that drip in at the headers timeout", async function () {
      server = await startHttp(app(SECRET), "127.0.0.1:0", { timeouts: FAST });
      const cut = await drip(portOf(server), "GET /status HTTP/1.1\r\n", 50);
      assert.ok(cut.ms < FAST.headersMs + 3 * FAST.checkEveryMs, `cut after ${cut.ms.toFixed(0)} ms`);
    });

    // Guards: up to 25 MiB of an unsigned body was buffered before the HMAC check (here: the cap is counted on the wire).
    it("answers 413 to a chunked body once past the cap, though it never says its length", async function () {
      server = await startHttp(httpApp(deps({ webhookSecret: SECRET, webhookLimits: { maxBodyBytes: 16 * 1024 } })), "127.0.0.1:0", { timeouts: FAST });
      const kib = "x".repeat(1024);
      const chunked = `${(32 * 1024).toString(16)}\r\n${kib.repeat(32)}\r\n`;
      const cut = await drip(portOf(server), `POST /hooks/git HTTP/1.1\r\nhost: x\r\nx-hub-signature-256: ${BOGUS}\r\ntransfer-encoding: chunked\r\n\r\n${chunked}`, 50);
      assert.match(cut.reply, /^HTTP\/1\.1 413/);
      assert.equal(hooks, 0);
    });

    // Guards: an in-flight slot must not leak when the client goes away mid-body.
    it("frees the slot of a client that hangs up mid-body", async function () {
      server = await startHttp(httpApp(deps({ webhookSecret: SECRET, webhookLimits: { maxInFlight: 1 } })), "127.0.0.1:0", { timeouts: FAST });
      const port = portOf(server);
      await new Promise<void>((resolve) => {
        const socket = net.connect(port, "127.0.0.1", () => socket.write(`POST /hooks/git HTTP/1.1\r\nhost: x\r\nx-hub-signature-256: ${BOGUS}\r\ncontent-length: 1000\r\n\r\nxx`, () => setTimeout(() => socket.destroy(), 50)));
        socket.on("close", () => resolve());
      });
      const body = "{}";
      let status = 0;
      // The server notices the hang-up asynchronously; within the request timeout at the latest.
      for (const t0 = performance.now(); status !== 202 && performance.now() - t0 < FAST.requestMs; await new Promise((r) => setTimeout(r, 20))) {
        status = (await fetch(`http://127.0.0.1:${port}/hooks/git`, { method: "POST", body, headers: { "x-hub-signature-256": sign(body) } })).status;
      }
      assert.equal(status, 202);
    });

    // Guards: an unsigned 25 MiB upload was read whole before it was refused.
    it("answers 401 to an unsigned upload while its body is still coming, and closes the socket", async function () {
      server = await startHttp(app(SECRET), "127.0.0.1:0", { timeouts: FAST });
      const cut = await drip(portOf(server), `POST /hooks/git HTTP/1.1\r\nhost: x\r\ncontent-length: ${WEBHOOK_MAX_BYTES}\r\n\r\nxx`, 50);
      assert.match(cut.reply, /^HTTP\/1\.1 401/);
      assert.match(cut.reply, /connection: close/i);
    });
  });
});
