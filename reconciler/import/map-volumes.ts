/**
 * `volumes` and `tmpfs` → berth `volumes`. A named volume becomes the
 * engine volume Compose made for it (`<project>_<name>`, or its own
 * `name:`), so a host that ran the stack keeps its data. A bind mount
 * becomes `hostPath`, made absolute from the project folder: berth mounts
 * it on whichever host runs the pod, so the folder must exist on every
 * host the service may run on, and a Policy (under the operator's ceiling)
 * must allow it. An anonymous volume, and a tmpfs, become a volume private
 * to each replica (on disk, not in memory).
 */
import path from "node:path";
import type { ServiceDraft } from "./draft.ts";
import { stringOrList } from "./list-or-dict.ts";
import { dnsLabel } from "./names.ts";
import { parseMount } from "./volume-syntax.ts";

interface BerthVolume {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  volume?: string;
  hostPath?: string;
}

export function mapVolumes(d: ServiceDraft): void {
  const out: BerthVolume[] = [];
  const taken = new Set<string>();
  const nameFor = (wanted: string): string => {
    const base = dnsLabel(wanted, "data");
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base.slice(0, 60)}-${i}`;
    taken.add(name);
    return name;
  };
  const raw = d.service["volumes"];
  if (Array.isArray(raw)) {
    raw.forEach((item, i) => {
      const r = parseMount(item);
      if ("error" in r) {
        d.refuse(["volumes", i], `${r.error}; see https://docs.docker.com/reference/compose-file/services/#volumes`, "compose-volume");
        return;
      }
      const m = r.mount;
      if (m.ignoredOptions.length > 0) d.warn(["volumes", i], `mount options ${m.ignoredOptions.join(", ")} are dropped: berth mounts read-write or read-only only`);
      const ro = m.readOnly ? { readOnly: true } : {};
      const index = out.length;
      switch (m.type) {
        case "volume": {
          if (m.source === undefined || m.source === "") {
            out.push({ name: nameFor(path.posix.basename(m.target)), mountPath: m.target, ...ro });
            d.note(`spec.volumes[${index}]`, "An anonymous Compose volume: private to each replica, removed with it.");
            return;
          }
          const volume = engineVolume(d, m.source, ["volumes", i]);
          out.push({ name: nameFor(m.source), mountPath: m.target, ...ro, volume });
          d.note(`spec.volumes[${index}]`, `Compose volume ${JSON.stringify(m.source)}: the same engine volume, so a host that ran the stack keeps its data; shared by the replicas on one host.`);
          return;
        }
        case "bind": {
          const source = m.source ?? "";
          const hostPath = source.startsWith("~") ? path.posix.join(d.project.home, source.slice(1)) : path.posix.resolve(d.project.dir, source);
          out.push({ name: nameFor(path.posix.basename(hostPath) || "host"), mountPath: m.target, ...ro, hostPath });
          d.note(`spec.volumes[${index}]`, `Bind mount of ${source}: it must exist on every host the service may run on, and the Policy must list ${hostPath} (or a parent) in allowedHostPaths.`);
          d.warn(["volumes", i], `bind mount ${source} becomes hostPath ${hostPath}: berth mounts that folder on whichever host runs the pod, so it must exist on every host the service may run on; berth validate refuses it until a Policy lists it in allowedHostPaths and the operator's ceiling.hostPaths allows it`, "compose-bind-mount");
          return;
        }
        case "tmpfs":
          out.push({ name: nameFor(path.posix.basename(m.target)), mountPath: m.target, ...ro });
          d.note(`spec.volumes[${index}]`, "A tmpfs in Compose: here a volume private to each replica, on disk rather than in memory.");
          d.warn(["volumes", i], `tmpfs ${m.target} becomes a volume private to each replica: on disk, not in memory`, "compose-partial");
          return;
        default:
          d.warn(["volumes", i], `a ${m.type} mount has no berth equivalent: dropped`);
      }
    });
  }
  const tmpfs = d.service["tmpfs"];
  if (tmpfs !== undefined) {
    stringOrList(tmpfs, d.where(["tmpfs"])).forEach((item, i) => {
      const target = String(item).split(":")[0] ?? "";
      const at = Array.isArray(tmpfs) ? ["tmpfs", i] : ["tmpfs"];
      if (!target.startsWith("/")) {
        d.refuse(at, `tmpfs ${JSON.stringify(item)} is not an absolute path inside the container`, "compose-volume");
        return;
      }
      d.note(`spec.volumes[${out.length}]`, "A tmpfs in Compose: here a volume private to each replica, on disk rather than in memory.");
      out.push({ name: nameFor(path.posix.basename(target)), mountPath: target });
      d.warn(at, `tmpfs ${target} becomes a volume private to each replica: on disk, not in memory${String(item).includes(":") ? "; its options are dropped" : ""}`, "compose-partial");
    });
  }
  if (out.length > 0) d.spec["volumes"] = out;
}

/** The engine volume a Compose named volume is: its `name:`, its own name when external, else `<project>_<volume>`. */
function engineVolume(d: ServiceDraft, source: string, at: (string | number)[]): string {
  const top = d.project.volumes[source];
  if (top === undefined) {
    d.warn(at, `volume ${JSON.stringify(source)} is not declared under the top-level volumes:; Compose would refuse this, berth uses the engine volume ${d.project.name}_${source}`);
    return `${d.project.name}_${source}`;
  }
  const def = typeof top === "object" && top !== null ? (top as Record<string, unknown>) : {};
  for (const key of ["driver", "driver_opts", "labels"]) {
    if (def[key] !== undefined && !(key === "driver" && def[key] === "local")) d.warn(at, `the volume's ${key} (top-level volumes.${source}) is dropped: berth creates local engine volumes`);
  }
  if (typeof def["name"] === "string" && def["name"] !== "") return def["name"];
  const external = def["external"];
  if (external === true || external === "true") return source;
  if (typeof external === "object" && external !== null && typeof (external as Record<string, unknown>)["name"] === "string") return String((external as Record<string, unknown>)["name"]);
  return `${d.project.name}_${source}`;
}
