/**
 * `deploy` (and the older `scale`, `cpus`, `mem_limit`, `mem_reservation`)
 * → berth `replicas`, `placement`, `resources`, `rollout` and the
 * Service's own labels. berth reserves and limits one amount of CPU and
 * memory, so a limit wins over a reservation. Swarm's update parallelism
 * is how many replicas change at once: with start-first that is berth's
 * maxSurge, with stop-first its maxUnavailable.
 */
import { DEPLOY_KEYS, keyInfo, unknownKey } from "./compose-keys.ts";
import type { ServiceDraft } from "./draft.ts";
import { listOrDict } from "./list-or-dict.ts";
import { cpus, duration, integer, memory } from "./units.ts";

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

export function mapDeploy(d: ServiceDraft): void {
  const deploy = obj(d.service["deploy"]) ?? {};
  for (const key of Object.keys(deploy)) {
    if (key.startsWith("x-")) continue;
    const info = keyInfo(DEPLOY_KEYS, key);
    if (info === undefined) d.warn(["deploy", key], unknownKey(`deploy.${key}`, DEPLOY_KEYS), "compose-unknown-key");
    else if (info.support === "not supported") d.warn(["deploy", key], `dropped: ${info.note}`);
  }
  mapReplicas(d, deploy);
  mapResources(d, obj(deploy["resources"]));
  mapPlacement(d, obj(deploy["placement"]));
  mapUpdate(d, obj(deploy["update_config"]));
  mapRestartPolicy(d, obj(deploy["restart_policy"]));
  if (deploy["labels"] !== undefined) {
    for (const [k, v] of Object.entries(listOrDict(deploy["labels"], d.where(["deploy", "labels"])))) d.metadataLabels[k] = String(v ?? "");
  }
}

function mapReplicas(d: ServiceDraft, deploy: Obj): void {
  const mode = deploy["mode"];
  if (mode === "global") {
    d.map("placement")["mode"] = "global";
    if (deploy["replicas"] !== undefined) d.warn(["deploy", "replicas"], "a global service runs one pod on every host that passes its constraints: replicas is dropped");
    return;
  }
  if (mode !== undefined && mode !== "replicated") {
    d.warn(["deploy", "mode"], `mode ${JSON.stringify(mode)} runs tasks to completion, which a berth Service does not: imported as a replicated Service; write a berth Job for a one-shot task`);
  }
  const [value, from] = deploy["replicas"] !== undefined ? [deploy["replicas"], ["deploy", "replicas"]] : [d.service["scale"], ["scale"]];
  if (value === undefined) return;
  const n = integer(value);
  if (n === undefined || n < 0 || n > 10000) {
    d.refuse(from, `replicas ${JSON.stringify(value)} is not a whole number from 0 to 10000`, "compose-replicas");
    return;
  }
  d.spec["replicas"] = n;
  if (n > 1) d.note("spec.replicas", "berth puts replicas on distinct hosts by default; set placement.distinctHosts: false to let several share one host, as Compose and Swarm do.");
}

function mapResources(d: ServiceDraft, resources: Obj | undefined): void {
  const limits = obj(resources?.["limits"]) ?? {};
  const reservations = obj(resources?.["reservations"]) ?? {};
  const pick = (
    field: "cpus" | "memory",
    legacy: { limit?: string; reservation?: string },
    convert: (v: unknown) => unknown,
  ): unknown => {
    const candidates: [unknown, (string | number)[]][] = [
      [limits[field], ["deploy", "resources", "limits", field]],
      [legacy.limit === undefined ? undefined : d.service[legacy.limit], legacy.limit === undefined ? [] : [legacy.limit]],
      [reservations[field], ["deploy", "resources", "reservations", field]],
      [legacy.reservation === undefined ? undefined : d.service[legacy.reservation], legacy.reservation === undefined ? [] : [legacy.reservation]],
    ];
    const given = candidates.filter(([v]) => v !== undefined && v !== null && v !== "");
    const first = given[0];
    if (first === undefined) return undefined;
    for (const [v, from] of given.slice(1)) {
      if (String(convert(v)) !== String(convert(first[0]))) d.warn(from, `berth reserves and limits one amount of ${field === "cpus" ? "CPU" : "memory"}: it uses ${String(first[0])} (${first[1].join(".")}), and ${String(v)} is dropped`);
    }
    const out = convert(first[0]);
    if (out === undefined) d.refuse(first[1], field === "cpus" ? `cpus ${JSON.stringify(first[0])} is not a number of cores above 0 and at most 1024` : `memory ${JSON.stringify(first[0])} is not a size such as 512m or 1g`, "compose-resources");
    return out;
  };
  const cpu = pick("cpus", { limit: "cpus" }, cpus);
  const mem = pick("memory", { limit: "mem_limit", reservation: "mem_reservation" }, memory);
  for (const section of [["limits", limits], ["reservations", reservations]] as const) {
    for (const key of Object.keys(section[1])) {
      if (key !== "cpus" && key !== "memory" && !key.startsWith("x-")) d.warn(["deploy", "resources", section[0], key], `berth reserves only cpu and memory: ${key} is dropped`);
    }
  }
  if (cpu === undefined && mem === undefined) return;
  const res = d.map("resources");
  if (cpu !== undefined) res["cpu"] = cpu;
  if (mem !== undefined) res["memory"] = mem;
}

/** `node.labels.zone == eu` → {label: zone, op: ==, value: eu}. */
function mapPlacement(d: ServiceDraft, placement: Obj | undefined): void {
  if (placement === undefined) return;
  const constraints: Obj[] = [];
  const list = placement["constraints"];
  if (Array.isArray(list)) {
    list.forEach((item, i) => {
      const m = /^\s*([A-Za-z0-9_.\-/]+)\s*(==|!=)\s*(.*?)\s*$/.exec(String(item));
      if (m === null) {
        d.warn(["deploy", "placement", "constraints", i], `${JSON.stringify(item)} is not "node.labels.KEY == VALUE" or "!=": dropped`);
        return;
      }
      const [, field = "", op = "==", value = ""] = m;
      if (field.startsWith("node.labels.")) {
        constraints.push({ label: field.slice("node.labels.".length), op, value });
        return;
      }
      d.warn(["deploy", "placement", "constraints", i], `berth hosts have labels only, so ${field} cannot be matched: dropped; put a label on the Host documents and constrain on node.labels.<label>`);
    });
  }
  const max = placement["max_replicas_per_node"];
  if (max !== undefined) {
    const n = integer(max);
    if (n !== 1) d.warn(["deploy", "placement", "max_replicas_per_node"], `berth either keeps replicas on distinct hosts (its default, the same as 1) or lets them share hosts without a cap: ${String(max)} is dropped`);
  }
  if (constraints.length > 0) d.map("placement")["constraints"] = constraints;
  const prefs = placement["preferences"];
  if (Array.isArray(prefs)) {
    prefs.forEach((p, i) => {
      const spread = obj(p)?.["spread"];
      const label = typeof spread === "string" && spread.startsWith("node.labels.") ? spread.slice("node.labels.".length) : undefined;
      if (label !== undefined && i === 0) d.map("placement")["spread"] = label;
      else d.warn(["deploy", "placement", "preferences", i], i === 0 ? `berth spreads over host labels only (spread: node.labels.<label>): dropped` : "berth spreads over one host label: only the first preference is kept");
    });
  }
}

function mapUpdate(d: ServiceDraft, update: Obj | undefined): void {
  if (update === undefined) return;
  const rollout: Obj = {};
  const order = update["order"];
  if (order === "start-first" || order === "stop-first") rollout["order"] = order;
  else if (order !== undefined) d.warn(["deploy", "update_config", "order"], `order ${JSON.stringify(order)} is neither start-first nor stop-first: dropped`);
  if (update["parallelism"] !== undefined) {
    const n = integer(update["parallelism"]);
    const replicas = typeof d.spec["replicas"] === "number" ? d.spec["replicas"] : 1;
    if (n === undefined || n < 0) d.warn(["deploy", "update_config", "parallelism"], `parallelism ${JSON.stringify(update["parallelism"])} is not a whole number: dropped`);
    else {
      // Swarm's 0 means "all at once".
      const count = n === 0 ? Math.max(replicas, 1) : n;
      // Compose's own default order is stop-first: parallelism without an order replaces that many at a time, stopping first.
      if (order === undefined) {
        rollout["order"] = "stop-first";
        d.note("spec.rollout.order", "Compose's default update order is stop-first; write order: start-first in update_config (or here) to start each new replica before its old one stops.");
      }
      if (order !== "start-first") {
        rollout["maxSurge"] = 0;
        rollout["maxUnavailable"] = count;
      } else rollout["maxSurge"] = count;
    }
  }
  if (update["monitor"] !== undefined) {
    const v = duration(update["monitor"]);
    if (v === undefined) d.warn(["deploy", "update_config", "monitor"], `${JSON.stringify(update["monitor"])} is not a duration: dropped`);
    else rollout["monitor"] = v;
  }
  if (update["delay"] !== undefined) {
    const v = duration(update["delay"]);
    if (v === undefined) d.warn(["deploy", "update_config", "delay"], `${JSON.stringify(update["delay"])} is not a duration: dropped`);
    else {
      rollout["minReady"] = v;
      d.note("spec.rollout.minReady", "From update_config.delay: each new replica must stay healthy this long before the next ones are replaced.");
    }
  }
  const failure = update["failure_action"];
  if (failure === "rollback" || failure === "pause") rollout["onFailure"] = failure;
  else if (failure !== undefined) d.warn(["deploy", "update_config", "failure_action"], `berth either rolls back or pauses a failed rollout: ${JSON.stringify(failure)} is dropped and berth rolls back (its default)`);
  if (update["max_failure_ratio"] !== undefined) d.warn(["deploy", "update_config", "max_failure_ratio"], "berth fails a rollout at its first replica that does not become healthy: max_failure_ratio is dropped");
  if (Object.keys(rollout).length > 0) d.spec["rollout"] = rollout;
}

function mapRestartPolicy(d: ServiceDraft, policy: Obj | undefined): void {
  if (policy === undefined) return;
  const condition = policy["condition"];
  if (condition !== undefined && condition !== "any") d.warn(["deploy", "restart_policy", "condition"], `berth restarts every pod of a Service that exits: condition ${JSON.stringify(condition)} cannot be honoured (a berth Job runs a task to completion)`);
  for (const key of ["delay", "max_attempts", "window"]) {
    if (policy[key] !== undefined) d.warn(["deploy", "restart_policy", key], `berth restarts with its own back-off: ${key} is dropped`);
  }
}
