/**
 * `POST /hooks/git`: a push webhook signed with HMAC-SHA256 in
 * `X-Hub-Signature-256`, as GitHub and Gitea send it. A valid one asks the
 * daemon for a pass; the payload itself is never looked at.
 *
 * Why the body is hashed as it streams and then thrown away: berth never
 * needs the body's content (a push only triggers a pass, which fetches the
 * repository itself), so there is no reason to hold unsigned bytes. Buffering
 * the body before the HMAC check let anyone who can reach the port make the
 * daemon hold up to 25 MiB per request (20 concurrent uploads took it from
 * 58 to 586 MiB RSS). Now each chunk goes into the HMAC and is dropped; the
 * digest is compared at the end, in constant time. The cost of not having
 * the body is nothing: a valid signature over bytes we no longer hold is
 * still proof that the sender knows the secret.
 *
 * What is refused before a single body byte is read: a webhook that is off
 * (no BERTH_WEBHOOK_SECRET: 404), a request without a well-formed
 * `X-Hub-Signature-256` (401: nothing could match it), a `Content-Length`
 * over the cap (413), and a request beyond the in-flight cap (503 with
 * `Retry-After`). These answers carry `Connection: close` so the unread body
 * is not drained over a kept-alive socket.
 *
 * The caps: 25 MB per body (GitHub's own limit), counted while streaming so
 * a chunked body without `Content-Length` is cut too (413); and at most 8
 * bodies hashed at once. Hashing is cheap but not free, and each body holds a
 * socket until it ends, so a flood of uploads gets 503s instead of the CPU
 * and the sockets; the daemon's polling still picks up a push whose webhook
 * was turned away. A body that drips in is cut by the HTTP server's request
 * timeout (`http-server.ts`), which frees its slot.
 */
import { createHmac } from "node:crypto";
import type { Handler } from "hono";
import { digestMatches, signatureDigest } from "./webhook-signature.ts";

/** GitHub caps webhook payloads at 25 MB. */
export const WEBHOOK_MAX_BYTES = 25 * 1024 * 1024;
/** Bodies hashed at once; more get 503. */
export const WEBHOOK_MAX_IN_FLIGHT = 8;
/** Seconds a client turned away by the in-flight cap is asked to wait. */
const RETRY_AFTER_S = 2;

export interface WebhookLimits {
  /** Largest body read, counted as it streams (default {@link WEBHOOK_MAX_BYTES}). */
  readonly maxBodyBytes?: number;
  /** Bodies hashed at once (default {@link WEBHOOK_MAX_IN_FLIGHT}). */
  readonly maxInFlight?: number;
}

export interface GitWebhookOptions extends WebhookLimits {
  /** BERTH_WEBHOOK_SECRET; without one the webhook is off. */
  readonly secret?: string;
  readonly onWebhook: () => void;
}

type BodyRead = { readonly kind: "read"; readonly hmac: Buffer } | { readonly kind: "too-large" } | { readonly kind: "broken"; readonly error: string };

/** HMAC-SHA256 of a body, chunk by chunk; past `maxBytes` it stops reading. */
async function hmacOfBody(secret: string, body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<BodyRead> {
  const hmac = createHmac("sha256", secret);
  if (!body) return { kind: "read", hmac: hmac.digest() };
  const reader = body.getReader();
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { kind: "read", hmac: hmac.digest() };
      bytes += value.byteLength;
      if (bytes > maxBytes) {
        // Cancelling does not destroy the socket (the 413 still goes out); the
        // server closes it after the answer, as `Connection: close` says.
        reader.cancel().catch(() => undefined);
        return { kind: "too-large" };
      }
      hmac.update(value);
    }
  } catch (err) {
    // The client went away, or the server's request timeout cut a slow body.
    return { kind: "broken", error: (err as Error).message };
  }
}

/** The `POST /hooks/git` handler; one per listener, which owns its in-flight count. */
export function gitWebhook(opts: GitWebhookOptions): Handler {
  const maxBytes = opts.maxBodyBytes ?? WEBHOOK_MAX_BYTES;
  const maxInFlight = opts.maxInFlight ?? WEBHOOK_MAX_IN_FLIGHT;
  const close = { connection: "close" };
  let inFlight = 0;
  return async (c) => {
    if (!opts.secret) return c.json({ error: "the git webhook is off: start berth run with BERTH_WEBHOOK_SECRET set" }, 404, close);
    const signature = c.req.header("x-hub-signature-256");
    if (!signatureDigest(signature)) {
      return c.json({ error: `${signature === undefined ? "missing" : "malformed"} X-Hub-Signature-256: expected "sha256=<64 hex digits>", the HMAC-SHA256 of the body under the webhook secret` }, 401, close);
    }
    const declared = Number(c.req.header("content-length") ?? 0);
    if (declared > maxBytes) return c.json({ error: `payload of ${declared} bytes is over the ${maxBytes}-byte limit` }, 413, close);
    if (inFlight >= maxInFlight) {
      return c.json({ error: `${inFlight} webhook bodies are being read already; try again shortly` }, 503, { ...close, "retry-after": String(RETRY_AFTER_S) });
    }
    inFlight++;
    let read: BodyRead;
    try {
      read = await hmacOfBody(opts.secret, c.req.raw.body, maxBytes);
    } finally {
      inFlight--;
    }
    if (read.kind === "too-large") return c.json({ error: `payload over the ${maxBytes}-byte limit` }, 413, close);
    if (read.kind === "broken") return c.json({ error: `the request body broke off: ${read.error}` }, 400, close);
    if (!digestMatches(read.hmac, signature)) return c.json({ error: "X-Hub-Signature-256 does not match the body under the webhook secret" }, 401);
    opts.onWebhook();
    return c.json({ accepted: true }, 202);
  };
}
