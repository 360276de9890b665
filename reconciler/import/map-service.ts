/**
 * One Compose service → one berth Service. Every key of the service is
 * looked up in the key table (compose-keys.ts): a key berth cannot honour
 * is dropped with the table's reason as a warning at its position, an
 * unknown key is flagged as a likely typo, and the rest are mapped by the
 * `map-*.ts` files. `x-berth:` is laid over the result last, for what
 * Compose cannot say (rollout, placement, templates…).
 */
import commonSchema from "../../schemas/common.schema.json" with { type: "json" };
import serviceSchema from "../../schemas/service.schema.json" with { type: "json" };
import { keyInfo, SERVICE_KEYS, unknownKey } from "./compose-keys.ts";
import type { ServiceDraft } from "./draft.ts";
import { listOrDict } from "./list-or-dict.ts";
import { mapDeploy } from "./map-deploy.ts";
import { mapEnvironment } from "./map-environment.ts";
import { mapHealth } from "./map-health.ts";
import { mapPorts } from "./map-ports.ts";
import { mapVolumes } from "./map-volumes.ts";
import { shellWords } from "./shell-words.ts";
import { boolean, duration } from "./units.ts";

/** The fields a berth Service's spec has, from its schema: what `x-berth:` may set. */
const SPEC_FIELDS = new Set([...Object.keys(commonSchema.$defs.podFields.properties), ...Object.keys(serviceSchema.properties.spec.properties)]);

/** Keys berth does not honour whose warning says more than the table's line (what to do about this very file). */
const OWN_WARNING = new Set(["build", "depends_on"]);

const LABEL_KEY = /^[A-Za-z0-9]([-A-Za-z0-9_./]{0,251}[A-Za-z0-9])?$/;

export function mapService(d: ServiceDraft): void {
  for (const key of Object.keys(d.service)) {
    if (key.startsWith("x-")) continue;
    const info = keyInfo(SERVICE_KEYS, key);
    if (info === undefined) d.warn([key], unknownKey(key, SERVICE_KEYS), "compose-unknown-key");
    else if (info.support === "not supported" && !OWN_WARNING.has(key)) d.warn([key], `dropped: ${info.note}`);
  }
  mapImage(d);
  mapCommand(d, "entrypoint", "command");
  mapCommand(d, "command", "args");
  mapDeploy(d);
  mapEnvironment(d);
  mapPorts(d);
  mapVolumes(d);
  mapHealth(d);
  mapStop(d);
  mapLabels(d);
  mapRuntime(d);
  mapBerthExtension(d);
}

function mapImage(d: ServiceDraft): void {
  const image = d.service["image"];
  const build = d.service["build"] !== undefined;
  if (typeof image === "string" && image.trim() !== "") {
    d.spec["image"] = image.trim();
    if (build) d.warn(["build"], `build: is dropped: berth deploys images, it does not build them — build and push ${image} in CI first; berth pulls it`, "compose-build");
    return;
  }
  if (build) d.refuse(["build"], "build: is refused: berth deploys images, so build and push the image in CI first, then set image: to its reference (e.g. registry.example.com/app:1.4)", "compose-build");
  else d.refuse([], `service ${JSON.stringify(d.composeName)} has no image: set image: to the image berth should run`, "compose-no-image");
}

/** Compose `entrypoint` is the image's ENTRYPOINT, berth `command`; Compose `command` is CMD, berth `args`. */
function mapCommand(d: ServiceDraft, key: "entrypoint" | "command", field: "command" | "args"): void {
  const value = d.service[key];
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    d.spec[field] = value.map(String);
    return;
  }
  const words = shellWords(String(value));
  if ("error" in words) d.refuse([key], `${key} ${JSON.stringify(value)}: ${words.error}`, "compose-command");
  else d.spec[field] = words.words;
}

function mapStop(d: ServiceDraft): void {
  const grace = d.service["stop_grace_period"];
  if (grace === undefined) return;
  const v = duration(grace);
  if (v === undefined) d.warn(["stop_grace_period"], `${JSON.stringify(grace)} is not a duration such as 10s or 1m30s: dropped, berth's default (10s) applies`);
  else d.spec["stopGracePeriod"] = v;
}

function mapLabels(d: ServiceDraft): void {
  const raw = d.service["labels"];
  if (raw === undefined) return;
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(listOrDict(raw, d.where(["labels"])))) {
    const from = ["labels", Array.isArray(raw) ? raw.findIndex((l) => String(l).split("=")[0] === key) : key];
    if (key.startsWith("berth.")) d.warn(from, `labels starting with berth. are berth's own (ownership, slot, spec hash): ${key} is dropped`);
    else if (!LABEL_KEY.test(key)) d.warn(from, `${JSON.stringify(key)} is not a label key berth accepts (letters, digits, '.', '-', '_' and '/'): dropped`);
    else labels[key] = String(value ?? "");
  }
  if (Object.keys(labels).length > 0) d.spec["labels"] = labels;
}

/** restart, privileged, network_mode, depends_on: what berth does instead. */
function mapRuntime(d: ServiceDraft): void {
  const restart = d.service["restart"];
  if (restart !== undefined && restart !== "always" && restart !== "unless-stopped") {
    d.warn(["restart"], `berth keeps every Service running and restarts a pod that exits, so restart: ${String(restart)} cannot be honoured; a one-shot task belongs in a berth Job`);
  }
  if (boolean(d.service["privileged"]) === true) {
    d.spec["privileged"] = true;
    d.warn(["privileged"], "kept as privileged: true, which berth refuses unless the Policy sets allowPrivileged: true and the operator's ceiling allows it", "compose-privileged");
  }
  const mode = d.service["network_mode"];
  if (typeof mode === "string") {
    if (mode === "host") {
      d.spec["hostNetwork"] = true;
      d.warn(["network_mode"], "network_mode: host becomes hostNetwork: true, which berth refuses unless the Policy sets allowHostNetwork: true and the operator's ceiling allows it", "compose-host-network");
    } else if (mode.startsWith("service:") || mode.startsWith("container:")) {
      d.warn(["network_mode"], `berth shares a network namespace only inside one pod: ${mode} is dropped; make the other container a sidecar Template used by this service, or reach it at its exposed address`);
    } else if (mode !== "bridge" && mode !== "default") d.warn(["network_mode"], `network_mode ${mode} is dropped: berth runs pods on the engine's bridge`);
  }
  const deps = d.service["depends_on"];
  if (deps !== undefined) {
    const names = Array.isArray(deps) ? deps.map(String) : typeof deps === "object" && deps !== null ? Object.keys(deps) : [];
    const conditions = Array.isArray(deps) ? [] : Object.entries(deps as Record<string, unknown>).filter(([, v]) => typeof v === "object" && v !== null && (v as Record<string, unknown>)["condition"] !== undefined && (v as Record<string, unknown>)["condition"] !== "service_started");
    const address = names.map((n) => `\${{ services.${d.project.serviceNames.get(n) ?? n}.address }}`).join(", ");
    d.warn(["depends_on"], `berth starts services independently and in any order${conditions.length > 0 ? `, so ${conditions.map(([n, v]) => `${n}: ${String((v as Record<string, unknown>)["condition"])}`).join(", ")} is not waited for` : ""}: the app must retry until ${names.join(", ")} answer${names.length === 1 ? "s" : ""}, at ${address} when exposed (not at the Compose service name)`, "compose-depends-on");
  }
}

/** `x-berth:` fields laid over the mapped spec: mappings merge, anything else replaces. */
function mapBerthExtension(d: ServiceDraft): void {
  const ext = d.service["x-berth"];
  if (ext === undefined) return;
  if (typeof ext !== "object" || ext === null || Array.isArray(ext)) {
    d.refuse(["x-berth"], "x-berth takes a mapping of berth Service fields, e.g. {rollout: {maxSurge: 2}}", "compose-x-berth");
    return;
  }
  for (const [key, value] of Object.entries(ext)) {
    if (!SPEC_FIELDS.has(key)) {
      d.refuse(["x-berth", key], `${key} is not a field of a berth Service spec (fields: ${[...SPEC_FIELDS].sort().join(", ")})`, "compose-x-berth");
      continue;
    }
    d.note(`spec.${key}`, d.spec[key] === undefined ? "Set by x-berth in the Compose file." : "Completed by x-berth in the Compose file.");
    d.spec[key] = overlay(d.spec[key], value);
  }
  // x-berth already says whether replicas may share a host: the hint about it is moot.
  const placement = d.spec["placement"] as Record<string, unknown> | undefined;
  if (placement?.["distinctHosts"] !== undefined) d.notes.delete("spec.replicas");
}

function overlay(base: unknown, over: unknown): unknown {
  if (typeof base !== "object" || base === null || Array.isArray(base) || typeof over !== "object" || over === null || Array.isArray(over)) return structuredClone(over);
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = overlay(out[k], v);
  return out;
}
