/**
 * Checks of what traffic needs (DESIGN §2, traffic/): global services, and
 * exposed ports that name a port of the pod and that no two services claim.
 * Every host answers on an exposed port, so a claim is repository-wide.
 */
import type { JobDoc, ServiceDoc } from "../model/documents.ts";
import type { ExposedPort } from "../model/fleet.ts";
import { fixedHostPorts, type PodSpec } from "../model/pod.ts";
import { PROXY_SERVICE } from "../traffic/proxy-service.ts";
import type { Diagnostic } from "./diagnostic.ts";
import { diagnosticAt } from "./diagnostic-at.ts";
import type { Located } from "./parse-yaml.ts";

/** Linux's default ip_local_port_range, where engines pick the host ports they assign. */
const EPHEMERAL = { from: 32768, to: 60999 } as const;

/** One claim on a port every host answers on, with where it was made. */
export interface PortClaim {
  readonly port: number;
  /** `service "web" exposes it` or `job "report" binds it as a fixed host port`. */
  readonly what: string;
  readonly where: string;
}

/**
 * The exposed ports of one service, each checked against the pod's ports
 * and against the claims made before it (which it then joins). An entry
 * that fails is left out, so one mistake is reported once.
 */
export function exposedPorts({ doc, at }: Located<ServiceDoc>, pod: PodSpec, claims: Map<number, PortClaim>, out: Diagnostic[]): ExposedPort[] {
  const name = doc.metadata.name;
  const list: ExposedPort[] = [];
  (doc.spec.expose ?? []).forEach((e, i) => {
    const target = pod.ports.find((p) => p.name === e.targetPort);
    if (!target || target.protocol !== "tcp") {
      const tcp = pod.ports.filter((p) => p.protocol === "tcp").map((p) => p.name);
      const why = target ? `is a ${target.protocol} port; only tcp ports can be exposed` : `is not one of the service's ports (${tcp.join(", ") || "it declares none"})`;
      out.push(diagnosticAt(at, ["spec", "expose", i, "targetPort"], "unknown-port", `expose targetPort ${JSON.stringify(e.targetPort)} ${why}`));
      return;
    }
    const here = diagnosticAt(at, ["spec", "expose", i, "port"], "port-conflict", "");
    const earlier = claims.get(e.port);
    if (earlier) {
      out.push({ ...here, message: `port ${e.port} is exposed by service ${JSON.stringify(name)} here and ${earlier.what} at ${earlier.where}: every host answers on an exposed port, so only one service may claim it` });
      return;
    }
    if (e.port >= EPHEMERAL.from && e.port <= EPHEMERAL.to) {
      out.push({ ...here, severity: "warning", code: "port-ephemeral", message: `port ${e.port} is in the range engines give published ports (${EPHEMERAL.from}–${EPHEMERAL.to} on Linux): a replica's engine-assigned port may take it first on some host, and that host's proxy then cannot answer on it; pick a port below ${EPHEMERAL.from}` });
    }
    claims.set(e.port, { port: e.port, what: `service ${JSON.stringify(name)} exposes it`, where: `${here.file}:${here.line}` });
    list.push({ port: e.port, targetPort: e.targetPort, containerPort: target.containerPort, ...(e.protocol === "http" ? { protocol: "http" as const } : {}) });
  });
  return list;
}

/**
 * A fixed host port of a workload that an exposed service claims: the proxy
 * holds that port on every host, so the pod could never start anywhere.
 */
export function checkHostPortsAgainstExposed(kind: "Service" | "Job", { doc, at }: Located<ServiceDoc | JobDoc>, pod: PodSpec, claims: ReadonlyMap<number, PortClaim>, out: Diagnostic[]): void {
  for (const port of fixedHostPorts(pod)) {
    const claim = claims.get(port);
    if (!claim) continue;
    const i = (doc.spec.ports ?? []).findIndex((p) => p.hostPort === port);
    out.push(diagnosticAt(at, i < 0 ? ["spec", "ports"] : ["spec", "ports", i, "hostPort"], "port-conflict", `${kind} ${JSON.stringify(doc.metadata.name)} binds host port ${port}, which ${claim.what} at ${claim.where}: the proxy holds it on every host; pick another port`));
  }
}

/** `placement.mode: global` is for Services, which then take their count from the hosts; the proxy's name is berth's own. */
export function checkWorkloadMode(kind: "Service" | "Job", { doc, at }: Located<ServiceDoc | JobDoc>, out: Diagnostic[]): void {
  const mode = doc.spec.placement?.mode;
  if (kind === "Job" && mode === "global") {
    out.push(diagnosticAt(at, ["spec", "placement", "mode"], "global-job", `a Job runs once per schedule, not on every host: placement.mode global is for Services`));
  }
  if (kind === "Service" && mode === "global" && (doc as ServiceDoc).spec.replicas !== undefined) {
    out.push(diagnosticAt(at, ["spec", "replicas"], "global-replicas", `service ${JSON.stringify(doc.metadata.name)} is global (one pod on every host that passes its constraints), so it takes no replicas; remove replicas, or drop placement.mode global`, { key: true }));
  }
  if (doc.metadata.name === PROXY_SERVICE) {
    out.push(diagnosticAt(at, ["metadata", "name"], "reserved-name", `the name ${JSON.stringify(PROXY_SERVICE)} is berth's own (the traffic proxy on every host); pick another name`));
  }
}
