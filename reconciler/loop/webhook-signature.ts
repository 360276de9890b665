/**
 * Checks `X-Hub-Signature-256` (`sha256=<hex HMAC of the body>`), as GitHub
 * and Gitea send it, in constant time.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export function validSignature(secret: string, body: Uint8Array | string, header: string | undefined): boolean {
  if (!header?.startsWith("sha256=")) return false;
  const expected = createHmac("sha256", secret).update(body).digest();
  const given = Buffer.from(header.slice("sha256=".length), "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
