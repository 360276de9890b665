import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { Registry } from "prom-client";
import { httpApp, parseListen, WEBHOOK_MAX_BYTES } from "../../../reconciler/loop/http-server.ts";
import type { DaemonStatus } from "../../../reconciler/loop/status.ts";

const STATUS: DaemonStatus = { owner: "o", source: { identity: "fake://fleet" }, services: [], hosts: [], held: [], diagnostics: [], jobs: [] };

describe("the daemon's HTTP face", function () {
  let hooks = 0;
  const app = (webhookSecret?: string) => httpApp({ status: () => STATUS, registry: new Registry(), ...(webhookSecret ? { webhookSecret } : {}), onWebhook: () => void hooks++ });
  const sign = (body: string) => `sha256=${createHmac("sha256", "s3cret").update(body).digest("hex")}`;
  beforeEach(() => (hooks = 0));

  it("serves /healthz, /status as JSON and /metrics as Prometheus text", async function () {
    const a = app();
    assert.equal(await (await a.request("/healthz")).text(), "ok\n");
    assert.deepEqual(await (await a.request("/status")).json(), STATUS);
    assert.match((await a.request("/metrics")).headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  });

  const hookCases: { name: string; secret?: string; body: string; sig?: (b: string) => string; status: number; hooks: number }[] = [
    { name: "signed: accepted, and a fetch is asked for", secret: "s3cret", body: '{"ref":"refs/heads/main"}', sig: sign, status: 202, hooks: 1 },
    { name: "unsigned: refused", secret: "s3cret", body: "{}", status: 401, hooks: 0 },
    { name: "signed with another secret: refused", secret: "s3cret", body: "{}", sig: (b) => `sha256=${createHmac("sha256", "other").update(b).digest("hex")}`, status: 401, hooks: 0 },
    { name: "without a secret configured the webhook is off", body: "{}", sig: sign, status: 404, hooks: 0 },
  ];
  for (const c of hookCases) {
    it(`POST /hooks/git ${c.name}`, async function () {
      const res = await app(c.secret).request("/hooks/git", { method: "POST", body: c.body, headers: c.sig ? { "x-hub-signature-256": c.sig(c.body) } : {} });
      assert.equal(res.status, c.status);
      assert.equal(hooks, c.hooks);
    });
  }

  it("POST /hooks/git refuses a payload over the limit before reading it whole", async function () {
    const big = "x".repeat(WEBHOOK_MAX_BYTES + 1);
    const res = await app("s3cret").request("/hooks/git", { method: "POST", body: big, headers: { "content-length": String(big.length), "x-hub-signature-256": sign(big) } });
    assert.equal(res.status, 413);
    assert.equal(hooks, 0);
  });

  it("parses --listen as host:port, :port or a bare port", function () {
    assert.deepEqual(parseListen("127.0.0.1:9470"), { hostname: "127.0.0.1", port: 9470 });
    assert.deepEqual(parseListen(":9470"), { hostname: "127.0.0.1", port: 9470 });
    assert.deepEqual(parseListen("0.0.0.0:80"), { hostname: "0.0.0.0", port: 80 });
    assert.throws(() => parseListen("localhost"), /--listen "localhost" is not host:port/);
  });
});
