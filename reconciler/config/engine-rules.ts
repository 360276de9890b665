/**
 * Which engines may be reached over plain TCP. Whoever controls an engine
 * receives every secret of the pods it runs, so a committer must not be
 * able to point berth at one of theirs without TLS: by default only
 * loopback addresses are allowed.
 */
import net from "node:net";
import type { OperatorConfig } from "../model/operator-config.ts";

function ipv4(ip: string): number | undefined {
  if (!net.isIPv4(ip)) return undefined;
  return ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

function matches(host: string, entry: string): boolean {
  const [base, bits] = entry.split("/");
  if (bits !== undefined) {
    const a = ipv4(host);
    const b = ipv4(base!);
    const n = Number(bits);
    if (a === undefined || b === undefined || !Number.isInteger(n) || n < 0 || n > 32) return false;
    const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
    return ((a & mask) >>> 0) === ((b & mask) >>> 0);
  }
  return host.toLowerCase() === entry.toLowerCase();
}

/** The host part of `tcp://host:port` (brackets of an IPv6 address removed), or undefined. */
export function tcpHost(endpoint: string): string | undefined {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+)(?::\d+)?\/?$/.exec(endpoint);
  return m ? m[1]!.replace(/^\[|\]$/g, "") : undefined;
}

/** True when a plain-TCP engine at `host` is one the operator allows (engines.plainTcp). */
export function plainTcpAllowed(host: string, config: Pick<OperatorConfig, "plainTcp">): boolean {
  return config.plainTcp.some((entry) => matches(host, entry));
}
