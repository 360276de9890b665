/**
 * Compose's two ways of writing a mount — `"[source:]target[:options]"` and
 * the long `{type, source, target, read_only, ...}` mapping — read into one
 * shape, for merging files (a mount's identity is its target) and for
 * mapping volumes.
 */

export type MountType = "volume" | "bind" | "tmpfs" | "npipe" | "cluster" | "image";

export interface MountEntry {
  readonly type: MountType;
  /** A volume name, a host path (bind), or undefined for an anonymous volume or a tmpfs. */
  readonly source?: string;
  readonly target: string;
  readonly readOnly: boolean;
  /** Short-syntax options berth does not honour (`z`, `Z`, `nocopy`, consistency, propagation). */
  readonly ignoredOptions: readonly string[];
}

const HONOURED = new Set(["ro", "rw", "readonly"]);

export function parseMount(item: unknown): { mount: MountEntry } | { error: string } {
  if (typeof item === "string") return parseShort(item);
  if (typeof item !== "object" || item === null || Array.isArray(item)) return { error: `a volume is a string such as "data:/var/lib/data" or a mapping with type: and target:` };
  const m = item as Record<string, unknown>;
  const type = String(m["type"] ?? "volume") as MountType;
  if (!["volume", "bind", "tmpfs", "npipe", "cluster", "image"].includes(type)) return { error: `type ${JSON.stringify(m["type"])} is not one of volume, bind, tmpfs, npipe, cluster, image` };
  if (typeof m["target"] !== "string" || m["target"] === "") return { error: "a volume needs target: (the path inside the container)" };
  const source = typeof m["source"] === "string" && m["source"] !== "" ? m["source"] : undefined;
  const ignored: string[] = [];
  if (m["consistency"] !== undefined) ignored.push(`consistency: ${String(m["consistency"])}`);
  for (const section of ["bind", "volume", "tmpfs", "image"]) {
    const s = m[section];
    if (typeof s === "object" && s !== null) for (const key of Object.keys(s)) if (key !== "create_host_path") ignored.push(`${section}.${key}`);
  }
  return { mount: { type, ...(source === undefined ? {} : { source }), target: m["target"], readOnly: m["read_only"] === true || m["read_only"] === "true", ignoredOptions: ignored } };
}

function parseShort(text: string): { mount: MountEntry } | { error: string } {
  const parts = text.split(":");
  if (parts.length === 1) return { mount: { type: "volume", target: text, readOnly: false, ignoredOptions: [] } };
  const [source = "", target = "", options = ""] = parts;
  if (parts.length > 3 || !target.startsWith("/")) return { error: `${JSON.stringify(text)} is not source:target[:options] with an absolute target` };
  const opts = options === "" ? [] : options.split(",");
  const bind = source.startsWith("/") || source.startsWith(".") || source.startsWith("~");
  return {
    mount: {
      type: bind ? "bind" : "volume",
      source,
      target,
      readOnly: opts.includes("ro") || opts.includes("readonly"),
      ignoredOptions: opts.filter((o) => !HONOURED.has(o)),
    },
  };
}

/** A mount item's identity when files are merged: its target. */
export function mountIdentity(item: unknown): string {
  const r = parseMount(item);
  return "error" in r ? JSON.stringify(item) : r.mount.target;
}
