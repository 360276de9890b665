/**
 * The daemon's HTTP face on `--listen`: `/healthz`, `/status` (JSON),
 * `/metrics` (Prometheus) and `POST /hooks/git` (a push webhook signed with
 * HMAC-SHA256, as GitHub and Gitea send it). Served with Hono.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { serve, type ServerType } from "@hono/node-server";
import type { Registry } from "prom-client";
import type { DaemonStatus } from "./status.ts";
import { validSignature } from "./webhook-signature.ts";

export interface HttpDeps {
  readonly status: () => DaemonStatus;
  readonly registry: Registry;
  /** Secret for `X-Hub-Signature-256`; without one the webhook is off. */
  readonly webhookSecret?: string;
  readonly onWebhook: () => void;
}

/** GitHub caps webhook payloads at 25 MB; nothing larger is read before the signature check. */
export const WEBHOOK_MAX_BYTES = 25 * 1024 * 1024;

export function httpApp(deps: HttpDeps): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.text("ok\n"));
  app.get("/status", (c) => c.json(deps.status()));
  app.get("/metrics", async (c) => c.body(await deps.registry.metrics(), 200, { "content-type": deps.registry.contentType }));
  const limit = bodyLimit({ maxSize: WEBHOOK_MAX_BYTES, onError: (c) => c.json({ error: `payload over ${WEBHOOK_MAX_BYTES} bytes` }, 413) });
  app.post("/hooks/git", limit, async (c) => {
    if (!deps.webhookSecret) return c.json({ error: "the git webhook is off: start berth run with BERTH_WEBHOOK_SECRET set" }, 404);
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (!validSignature(deps.webhookSecret, body, c.req.header("x-hub-signature-256"))) return c.json({ error: "bad or missing X-Hub-Signature-256" }, 401);
    deps.onWebhook();
    return c.json({ accepted: true }, 202);
  });
  return app;
}

/** Parses `host:port` (or `:port`, or a bare port). */
export function parseListen(addr: string): { hostname: string; port: number } {
  const m = /^(?:(.*):)?(\d+)$/.exec(addr);
  if (!m) throw new Error(`--listen "${addr}" is not host:port`);
  return { hostname: m[1] || "127.0.0.1", port: Number(m[2]) };
}

export function startHttp(app: Hono, addr: string): Promise<ServerType> {
  const { hostname, port } = parseListen(addr);
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port }, () => resolve(server));
    server.once("error", reject);
  });
}
