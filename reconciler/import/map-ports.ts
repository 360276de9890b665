/**
 * `ports` and `expose` → berth `ports` and `expose`. Each container port
 * becomes a named berth port. A published TCP port (`"8080:80"`) becomes
 * `expose: [{port: 8080, targetPort: <name>}]`: every host answers on 8080
 * through berth's proxy and balances over all replicas, which is what a
 * published port means once there are several hosts. berth's proxy carries
 * TCP only, so a published UDP port, and Swarm's `mode: host`, become a
 * fixed `hostPort` instead (one replica per host).
 */
import type { ServiceDraft } from "./draft.ts";
import { dnsLabel, isDnsLabel } from "./names.ts";
import { parsePort } from "./port-syntax.ts";

interface BerthPort {
  name: string;
  containerPort: number;
  hostPort?: number;
  protocol?: "udp";
}

function isLoopback(ip: string): boolean {
  return /^127\./.test(ip) || ip === "::1" || ip === "[::1]" || ip === "localhost";
}

export function mapPorts(d: ServiceDraft): void {
  const ports: BerthPort[] = [];
  const expose: { port: number; targetPort: string }[] = [];
  const named = (target: number, protocol: "tcp" | "udp", wanted: string | undefined): BerthPort => {
    const existing = ports.find((p) => p.containerPort === target && (p.protocol ?? "tcp") === protocol);
    if (existing) return existing;
    const base = wanted !== undefined && isDnsLabel(wanted) ? wanted : protocol === "udp" ? `port-${target}-udp` : `port-${target}`;
    let name = base;
    for (let i = 2; ports.some((p) => p.name === name); i++) name = `${base}-${i}`;
    const port: BerthPort = { name, containerPort: target, ...(protocol === "udp" ? { protocol } : {}) };
    ports.push(port);
    return port;
  };
  const raw = d.service["ports"];
  if (Array.isArray(raw)) {
    raw.forEach((item, i) => {
      const r = parsePort(item);
      if ("error" in r) {
        d.refuse(["ports", i], `${r.error}; see https://docs.docker.com/reference/compose-file/services/#ports`, "compose-port");
        return;
      }
      for (const p of r.ports) {
        const port = named(p.target, p.protocol, p.name === undefined ? undefined : dnsLabel(p.name));
        if (p.narrowed !== undefined) d.warn(["ports", i], `the host port range ${p.narrowed} is wider than its container ports: berth keeps only ${p.published}`);
        if (p.published === undefined) continue;
        if (p.hostIp !== undefined && isLoopback(p.hostIp)) {
          // Bound to loopback to keep it private (a database, an admin port): exposing it would serve it on every host's address.
          d.warn(["ports", i], `${p.hostIp}:${p.published} is bound to loopback in Compose, to keep it private: berth does not expose it (that would serve it on every host's address); container port ${p.target} stays declared, on an engine-assigned host port that berth status shows; add expose: yourself if other hosts should reach it`, "compose-port");
          continue;
        }
        if (p.hostIp !== undefined) d.warn(["ports", i], `host address ${p.hostIp} is dropped: berth answers on every host's own address`);
        if (p.protocol === "udp" || p.mode === "host") {
          if (port.hostPort !== undefined && port.hostPort !== p.published) {
            d.warn(["ports", i], `container port ${p.target}/${p.protocol} is published twice; berth binds one fixed host port per container port and keeps ${port.hostPort}`);
            continue;
          }
          port.hostPort = p.published;
          const why = p.protocol === "udp" ? "berth's proxy carries TCP only, so this UDP port" : "mode: host";
          d.warn(["ports", i], `${why} becomes a fixed host port ${p.published} on the host that runs each replica: at most one replica per host, and clients must know which hosts those are`, "compose-port");
          continue;
        }
        if (expose.some((e) => e.port === p.published)) continue;
        expose.push({ port: p.published, targetPort: port.name });
      }
    });
  }
  const internal = d.service["expose"];
  if (Array.isArray(internal)) {
    internal.forEach((item, i) => {
      const r = parsePort(typeof item === "number" ? item : String(item).replace(/\/(tcp|udp)$/, ""));
      const protocol = /\/udp$/.test(String(item)) ? "udp" : "tcp";
      if ("error" in r) {
        d.refuse(["expose", i], r.error, "compose-port");
        return;
      }
      for (const p of r.ports) named(p.target, protocol, undefined);
    });
    d.warn(["expose"], "berth publishes every declared port on an engine-assigned host port (berth status shows it), where Compose keeps expose: ports internal", "compose-partial");
  }
  if (ports.length > 0) d.spec["ports"] = ports;
  if (expose.length > 0) {
    d.spec["expose"] = expose;
    d.note("spec.expose", "Compose published these ports: every host answers on them through berth's proxy, balanced over all ready replicas.");
  }
}
