/**
 * OpenSSH `known_hosts` read as `ssh` reads it, for checking an SSH engine's
 * host key: plain and comma-separated host patterns (with `*`, `?` and `!`),
 * the `[host]:port` form for ports other than 22, hashed `|1|salt|hash`
 * entries (HMAC-SHA1 of the host string keyed by the salt) and `@revoked`
 * lines. Pure: the text comes in, a verdict goes out.
 */
import { createHash, createHmac } from "node:crypto";

export interface KnownHostsEntry {
  /** 1-based line in the file, for the operator to find it. */
  readonly line: number;
  readonly hosts: string;
  readonly keyType: string;
  readonly key: Buffer;
  readonly revoked: boolean;
}

export type HostKeyVerdict =
  | { readonly verdict: "known"; readonly line: number }
  | { readonly verdict: "unknown"; readonly keyType: string; readonly fingerprint: string }
  /** The host has a key of this type on record, and it is another one. */
  | { readonly verdict: "changed"; readonly keyType: string; readonly fingerprint: string; readonly lines: readonly number[] }
  | { readonly verdict: "revoked"; readonly keyType: string; readonly fingerprint: string; readonly line: number };

/** The lines of a known_hosts file that name a key; comments, blank and malformed lines (and `@cert-authority`, which berth does not use) are skipped, as ssh skips what it cannot read. */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const out: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === "" || fields[0].startsWith("#")) return;
    let revoked = false;
    if (fields[0].startsWith("@")) {
      if (fields[0] !== "@revoked") return;
      revoked = true;
      fields.shift();
    }
    const [hosts, keyType, key64] = fields;
    if (!hosts || !keyType || !key64 || !/^[A-Za-z0-9+/]+=*$/.test(key64)) return;
    out.push({ line: i + 1, hosts, keyType, key: Buffer.from(key64, "base64"), revoked });
  });
  return out;
}

/** The name ssh looks a host up by: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The key's fingerprint as `ssh-keygen -l` prints it: `SHA256:` and unpadded base64. */
export function fingerprintSha256(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

/** The algorithm name a public key blob starts with (`ssh-ed25519`, `ssh-rsa`...). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return "unknown";
  const n = key.readUInt32BE(0);
  return n > 0 && 4 + n <= key.length ? key.subarray(4, 4 + n).toString("latin1") : "unknown";
}

function globMatches(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${re}$`, "i").test(name);
}

function hashedMatches(entry: string, name: string): boolean {
  const [, magic, salt64, hash64] = entry.split("|");
  if (magic !== "1" || !salt64 || !hash64) return false;
  return createHmac("sha1", Buffer.from(salt64, "base64")).update(name).digest("base64") === hash64;
}

/** Whether an entry's host field names `name`: a hashed entry, or patterns where a matching `!pattern` wins. */
export function hostsFieldMatches(field: string, name: string): boolean {
  if (field.startsWith("|")) return hashedMatches(field, name);
  let matched = false;
  for (const pattern of field.split(",")) {
    if (pattern.startsWith("!")) {
      if (globMatches(pattern.slice(1), name)) return false;
    } else if (globMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/**
 * What known_hosts says of the key `host:port` showed: known (a line has
 * it), revoked, changed (the host has another key of this type: someone may
 * be in between), or unknown.
 * @example
 * checkHostKey(parseKnownHosts(text), { host: "127.0.0.1", port: 2222, key })
 * // { verdict: "unknown", keyType: "ssh-ed25519", fingerprint: "SHA256:…" }
 */
export function checkHostKey(entries: readonly KnownHostsEntry[], seen: { readonly host: string; readonly port: number; readonly key: Buffer }): HostKeyVerdict {
  const name = knownHostsName(seen.host, seen.port);
  const keyType = keyTypeOf(seen.key);
  const fingerprint = fingerprintSha256(seen.key);
  const mine = entries.filter((e) => hostsFieldMatches(e.hosts, name));
  const revoked = entries.find((e) => e.revoked && e.key.equals(seen.key));
  if (revoked) return { verdict: "revoked", keyType, fingerprint, line: revoked.line };
  const same = mine.find((e) => !e.revoked && e.key.equals(seen.key));
  if (same) return { verdict: "known", line: same.line };
  const others = mine.filter((e) => !e.revoked && e.keyType === keyType);
  if (others.length > 0) return { verdict: "changed", keyType, fingerprint, lines: others.map((e) => e.line) };
  return { verdict: "unknown", keyType, fingerprint };
}
