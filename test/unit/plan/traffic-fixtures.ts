/**
 * A plan with exposed services, built by hand for the printers' and the
 * status' traffic tests: web exposes port 18080 and replaces slot 0 on h1
 * start-first (route the new pod, drain the old one), berth's proxy runs on
 * h1 and h2 and starts on h3, where something else holds port 18080.
 */
import type { ExposedPort } from "../../../reconciler/model/fleet.ts";
import type { Plan, ServicePlan } from "../../../reconciler/plan/types.ts";
import { pod, rollout } from "./mock.ts";
import { APP_V2, host, plan, podRef, servicePlan, wave } from "./plan-fixtures.ts";

export const WEB_EXPOSE: readonly ExposedPort[] = [{ port: 18080, targetPort: "http", containerPort: 8080 }];

const published = (hostIp: string, hostPort: number) => [{ containerPort: 8080, protocol: "tcp" as const, hostIp, hostPort }];

export function trafficPlan(over: Partial<Plan> = {}): Plan {
  const proxyRef = (h: string, i: number) => podRef({ host: h, slot: i, pod: `px-${i + 1}`, specHash: "hash-proxy" });
  const proxy: ServicePlan = servicePlan({
    name: "berth-proxy",
    replicas: 3,
    pod: pod({ name: "berth-proxy", specHash: "hash-proxy", network: "host", ports: [] }),
    rollout: rollout({ maxSurge: 0, maxUnavailable: 1, order: "stop-first" }),
    changes: [
      { action: "keep", slot: 0, host: "h1", from: proxyRef("h1", 0) },
      { action: "keep", slot: 1, host: "h2", from: proxyRef("h2", 1) },
      { action: "create", slot: 2, host: "h3", reason: "no pod for slot 2" },
    ],
    waves: [wave(1, "repair", [{ slot: 2, host: "h3", steps: [{ verb: "launch", host: "h3", slot: 2 }, { verb: "gate", host: "h3", slot: 2 }] }])],
  });
  const old = podRef({ host: "h1", slot: 0, pod: "p-1", ports: published("0.0.0.0", 32768) });
  const web: ServicePlan = servicePlan({
    replicas: 2,
    pod: pod({ specHash: "hash-v2" }),
    expose: WEB_EXPOSE,
    changes: [
      { action: "replace", slot: 0, host: "h1", from: old, reasons: ["image changed"], order: "start-first" },
      { action: "keep", slot: 1, host: "h2", from: podRef({ host: "h2", slot: 1, pod: "p-2", ports: published("0.0.0.0", 32769) }) },
    ],
    waves: [
      wave(1, "pull", [{ host: "h1", steps: [{ verb: "pull", host: "h1", image: APP_V2 }] }]),
      wave(2, "replace", [
        {
          slot: 0,
          host: "h1",
          strategy: "start-first",
          steps: [
            { verb: "launch", host: "h1", slot: 0 },
            { verb: "gate", host: "h1", slot: 0 },
            { verb: "route", host: "h1", slot: 0 },
            { verb: "drain", host: "h1", slot: 0, pod: "p-1" },
            { verb: "stop", host: "h1", slot: 0, pod: "p-1" },
          ],
        },
      ]),
      wave(3, "finish", [{ slot: 0, host: "h1", steps: [{ verb: "remove", host: "h1", slot: 0, pod: "p-1" }] }]),
    ],
  });
  return plan({
    hosts: [host("h1"), host("h2"), host("h3")],
    services: [proxy, web],
    traffic: {
      services: [
        {
          service: "web",
          expose: WEB_EXPOSE,
          backends: [
            { host: "h1", slot: 0, pod: "p-1", address: "10.0.0.1", ports: { "8080": 32768 } },
            { host: "h2", slot: 1, pod: "p-2", address: "10.0.0.2", ports: { "8080": 32769 } },
          ],
        },
      ],
      proxies: [
        { host: "h1", routes: "in-sync", pod: "px-1" },
        { host: "h2", routes: "differs", pod: "px-2" },
        { host: "h3", routes: "starting", portsTaken: [18080] },
      ],
    },
    warnings: ["port 18080 (exposed by web) is already used on h3 by a container berth does not manage: h3's proxy cannot answer on it until it is freed"],
    ...over,
  });
}
