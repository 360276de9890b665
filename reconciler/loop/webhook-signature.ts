/**
 * Checks `X-Hub-Signature-256` (`sha256=<hex HMAC of the body>`), as GitHub
 * and Gitea send it, in constant time. `validSignature` takes a body already
 * in memory; the webhook itself hashes the body as it streams in
 * (`git-webhook.ts`) and only compares digests here.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The 32-byte digest a `sha256=<64 hex digits>` header carries; undefined for anything else. */
export function signatureDigest(header: string | undefined): Buffer | undefined {
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header ?? "");
  return m ? Buffer.from(m[1]!, "hex") : undefined;
}

/** Whether the HMAC computed over the body equals the header's digest, in constant time. */
export function digestMatches(computed: Buffer, header: string | undefined): boolean {
  const given = signatureDigest(header);
  return given !== undefined && given.length === computed.length && timingSafeEqual(given, computed);
}

export function validSignature(secret: string, body: Uint8Array | string, header: string | undefined): boolean {
  return digestMatches(createHmac("sha256", secret).update(body).digest(), header);
}
