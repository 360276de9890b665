/**
 * Compose's two ways of writing a port — `"[ip:][published:]target[/protocol]"`
 * (ranges allowed on either side) and the long `{target, published, ...}`
 * mapping — read into one shape. Used to merge files (a port's identity is
 * its ip, target, published port and protocol) and to map ports.
 */

export interface PortEntry {
  readonly target: number;
  /** The published port, when one is given. */
  readonly published?: number;
  readonly protocol: "tcp" | "udp";
  readonly hostIp?: string;
  /** `host` publishes on the node itself (Swarm); the default is `ingress`. */
  readonly mode?: string;
  readonly name?: string;
  /** Set when a published range is wider than its target range: only the first port is kept. */
  readonly narrowed?: string;
}

/** Every port one Compose port item stands for (a range stands for several), or an error saying why it cannot be read. */
export function parsePort(item: unknown): { ports: PortEntry[] } | { error: string } {
  if (typeof item === "number") return valid(item) ? { ports: [{ target: item, protocol: "tcp" }] } : { error: `port ${item} is not between 1 and 65535` };
  if (typeof item === "string") return parseShort(item);
  if (typeof item === "object" && item !== null && !Array.isArray(item)) return parseLong(item as Record<string, unknown>);
  return { error: `a port is a number, a string such as "8080:80" or a mapping with target:` };
}

function parseLong(m: Record<string, unknown>): { ports: PortEntry[] } | { error: string } {
  const target = Number(m["target"]);
  if (!valid(target)) return { error: `target ${JSON.stringify(m["target"])} is not a port number between 1 and 65535` };
  const protocol = protocolOf(m["protocol"]);
  if (protocol === undefined) return { error: `protocol ${JSON.stringify(m["protocol"])} is neither tcp nor udp` };
  const rawPublished = m["published"];
  let published: number | undefined;
  let narrowed: string | undefined;
  if (rawPublished !== undefined && rawPublished !== null && rawPublished !== "") {
    const range = /^(\d+)(?:-(\d+))?$/.exec(String(rawPublished));
    if (range === null || !valid(Number(range[1]))) return { error: `published ${JSON.stringify(rawPublished)} is not a port number or range` };
    published = Number(range[1]);
    if (range[2] !== undefined) narrowed = String(rawPublished);
  }
  return {
    ports: [
      {
        target,
        protocol,
        ...(published === undefined ? {} : { published }),
        ...(typeof m["host_ip"] === "string" && m["host_ip"] !== "" ? { hostIp: m["host_ip"] } : {}),
        ...(typeof m["mode"] === "string" ? { mode: m["mode"] } : {}),
        ...(typeof m["name"] === "string" ? { name: m["name"] } : {}),
        ...(narrowed === undefined ? {} : { narrowed }),
      },
    ],
  };
}

function parseShort(text: string): { ports: PortEntry[] } | { error: string } {
  const [spec = "", proto] = text.split("/");
  const protocol = protocolOf(proto);
  if (protocol === undefined) return { error: `protocol ${JSON.stringify(proto)} in ${JSON.stringify(text)} is neither tcp nor udp` };
  // An IPv6 host address is written in brackets: "[::1]:8080:80".
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(spec);
  const parts = v6 ? [v6[1] ?? "", ...(v6[2] ?? "").split(":")] : spec.split(":");
  const targetText = parts.pop() ?? "";
  const publishedText = parts.pop();
  const hostIp = parts.length > 0 ? parts.join(":") : undefined;
  const targets = range(targetText);
  if (targets === undefined) return { error: `${JSON.stringify(targetText)} in ${JSON.stringify(text)} is not a container port or range` };
  const published = publishedText === undefined || publishedText === "" ? undefined : range(publishedText);
  if (publishedText !== undefined && publishedText !== "" && published === undefined) return { error: `${JSON.stringify(publishedText)} in ${JSON.stringify(text)} is not a host port or range` };
  const narrowed = published !== undefined && published.length > targets.length ? publishedText : undefined;
  return {
    ports: targets.map((target, i) => ({
      target,
      protocol,
      ...(published === undefined ? {} : { published: published[Math.min(i, published.length - 1)] ?? target }),
      ...(hostIp === undefined || hostIp === "" ? {} : { hostIp }),
      ...(narrowed === undefined ? {} : { narrowed }),
    })),
  };
}

/** `8000` or `8000-8003` as the list of ports; undefined when it is neither. */
function range(text: string): number[] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (m === null) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (!valid(from) || !valid(to) || to < from || to - from > 1000) return undefined;
  return Array.from({ length: to - from + 1 }, (_v, i) => from + i);
}

function protocolOf(value: unknown): "tcp" | "udp" | undefined {
  if (value === undefined || value === null || value === "") return "tcp";
  const p = String(value).toLowerCase();
  return p === "tcp" || p === "udp" ? p : undefined;
}

function valid(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** A port item's identity when files are merged (the specification's {ip, target, published, protocol}). */
export function portIdentity(item: unknown): string {
  const r = parsePort(item);
  if ("error" in r) return JSON.stringify(item);
  return r.ports.map((p) => `${p.hostIp ?? ""}|${p.target}|${p.published ?? ""}|${p.protocol}`).join(",");
}
