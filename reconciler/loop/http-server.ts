/**
 * The daemon's HTTP face. `--listen` serves `/healthz`, `/status` (JSON),
 * `/metrics` (Prometheus), the fleet view at `/` (reconciler/web/) and, unless `--webhook-listen` is given,
 * `POST /hooks/git` (`git-webhook.ts`). With `--webhook-listen` the webhook
 * has a listener of its own (it is the one part that must face the git
 * host, often the internet) and the status listener answers 404 for it.
 * `/healthz` is on both. Served with Hono on node's http server, with header,
 * request and keep-alive timeouts so no client can hold a socket open by
 * dripping bytes.
 */
import { Hono } from "hono";
import { serve, type ServerType } from "@hono/node-server";
import type { Registry } from "prom-client";
import { gitWebhook, type WebhookLimits } from "./git-webhook.ts";
import type { DaemonStatus } from "./status.ts";
import { requireStatusToken } from "./status-token.ts";
import { fleetView } from "../web/fleet-view.ts";

export { WEBHOOK_MAX_BYTES, WEBHOOK_MAX_IN_FLIGHT } from "./git-webhook.ts";

/**
 * What one listener serves: `all` (`--listen` alone), `status` (`--listen`
 * next to `--webhook-listen`), `webhook` (`--webhook-listen`).
 */
export type HttpRoutes = "all" | "status" | "webhook";

export interface HttpDeps {
  readonly status: () => DaemonStatus;
  readonly registry: Registry;
  /** Secret for `X-Hub-Signature-256`; without one the webhook is off. */
  readonly webhookSecret?: string;
  readonly onWebhook: () => void;
  /** BERTH_STATUS_TOKEN: when set, `/status` and `/metrics` need `Authorization: Bearer <token>`. */
  readonly statusToken?: string;
  /** Default `all`. */
  readonly routes?: HttpRoutes;
  /** Caps on webhook bodies; the defaults are GitHub's 25 MB and 8 at once. */
  readonly webhookLimits?: WebhookLimits;
}

export function httpApp(deps: HttpDeps): Hono {
  const routes = deps.routes ?? "all";
  const app = new Hono();
  app.get("/healthz", (c) => c.text("ok\n"));
  if (routes !== "webhook") {
    if (deps.statusToken) {
      const guard = requireStatusToken(deps.statusToken);
      app.use("/status", guard);
      app.use("/metrics", guard);
    }
    app.get("/status", (c) => c.json(deps.status()));
    app.get("/metrics", async (c) => c.body(await deps.registry.metrics(), 200, { "content-type": deps.registry.contentType }));
    // The page for people, behind the same token (a sign-in cookie or the bearer header: web/view-access.ts).
    app.route("/", fleetView({ status: deps.status, ...(deps.statusToken ? { token: deps.statusToken } : {}) }));
  }
  if (routes === "status") {
    app.post("/hooks/git", (c) => c.json({ error: "POST /hooks/git is not served on this address: berth run serves it on --webhook-listen" }, 404, { connection: "close" }));
  } else {
    app.post("/hooks/git", gitWebhook({ ...deps.webhookLimits, ...(deps.webhookSecret ? { secret: deps.webhookSecret } : {}), onWebhook: deps.onWebhook }));
  }
  return app;
}

/** Parses `host:port` (or `:port`, or a bare port); `flag` names the option in the error. */
export function parseListen(addr: string, flag = "--listen"): { hostname: string; port: number } {
  const m = /^(?:(.*):)?(\d+)$/.exec(addr);
  if (!m) throw new Error(`${flag} "${addr}" is not host:port`);
  return { hostname: m[1] || "127.0.0.1", port: Number(m[2]) };
}

export interface HttpTimeouts {
  /** Until the request's headers are in. */
  readonly headersMs: number;
  /** Until the whole request, body included, is in. */
  readonly requestMs: number;
  /** An idle kept-alive socket is closed after this. */
  readonly keepAliveMs: number;
  /** Node checks the first two on this interval, so a request may live up to one interval longer. */
  readonly checkEveryMs: number;
}

/**
 * Headers within 10 s, the whole request within 30 s: the request timeout is
 * 29 s checked every second, so a slow-drip body is cut by 30 s at the
 * latest. A real webhook is a few KB and arrives in milliseconds.
 */
export const HTTP_TIMEOUTS: HttpTimeouts = { headersMs: 10_000, requestMs: 29_000, keepAliveMs: 5_000, checkEveryMs: 1_000 };

export interface StartHttpOptions {
  /** The option `addr` came from, for the error message (default `--listen`). */
  readonly flag?: string;
  readonly timeouts?: HttpTimeouts;
}

export function startHttp(app: Hono, addr: string, opts: StartHttpOptions = {}): Promise<ServerType> {
  const { hostname, port } = parseListen(addr, opts.flag);
  const t = opts.timeouts ?? HTTP_TIMEOUTS;
  const serverOptions = { headersTimeout: t.headersMs, requestTimeout: t.requestMs, keepAliveTimeout: t.keepAliveMs, connectionsCheckingInterval: t.checkEveryMs };
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port, serverOptions }, () => resolve(server));
    server.once("error", reject);
  });
}
