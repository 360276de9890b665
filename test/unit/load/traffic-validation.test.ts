/**
 * The loader's checks for traffic (load/check-traffic.ts): every diagnostic
 * at its exact file, line and column, and what a valid `expose` or global
 * service loads as.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { loadFleet } from "../../../reconciler/load/load-fleet.ts";
import { readRepoDir } from "../../../reconciler/load/read-dir.ts";
import { WEB, lines, loadWith } from "./fleet-files.ts";

interface Expected {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly code: string;
  readonly path: string;
  /** The whole message. */
  readonly message: string;
}

interface Case {
  readonly name: string;
  readonly changes: Readonly<Record<string, string | null>>;
  readonly expected: readonly Expected[];
}

/** 1-based line of the `nth` (1-based) line of `text` that contains `needle`. */
function lineOf(text: string, needle: string, nth = 1): number {
  let seen = 0;
  const all = text.split("\n");
  for (let i = 0; i < all.length; i++) if (all[i]!.includes(needle) && ++seen === nth) return i + 1;
  throw new Error(`test setup: ${JSON.stringify(needle)} occurs fewer than ${nth} times`);
}

/** 1-based column of `needle` in line `n` of `text`: computed from the text, not the loader. */
function colOf(text: string, n: number, needle: string): number {
  const i = (text.split("\n")[n - 1] ?? "").indexOf(needle);
  if (i < 0) throw new Error(`test setup: ${JSON.stringify(needle)} is not on line ${n}`);
  return i + 1;
}

/** Where `value` (the first occurrence after `key`) is on the `nth` line containing `key`. */
function at(text: string, key: string, value: string, nth = 1): { line: number; col: number } {
  const line = lineOf(text, key, nth);
  const keyCol = colOf(text, line, key);
  const rest = (text.split("\n")[line - 1] ?? "").slice(keyCol - 1 + key.length);
  const i = rest.indexOf(value);
  if (i < 0) throw new Error(`test setup: ${JSON.stringify(value)} does not follow ${JSON.stringify(key)} on line ${line}`);
  return { line, col: keyCol + key.length + i };
}

const WEB_FILE = "services/web.yaml";
const API_FILE = "services/api.yaml";

/** The base web service with `expose` lines inserted before its volumes. */
function webExposing(...expose: string[]): string {
  return WEB.replace("  volumes:", ["  expose:", ...expose, "  volumes:"].join("\n"));
}

/** A second service, `api` (sorted before `web`, so it claims ports first). */
function api(...spec: string[]): string {
  return lines("apiVersion: berth/v1", "kind: Service", "metadata:", "  name: api", "spec:", "  image: app:v1", ...spec);
}

function job(name: string, ...spec: string[]): string {
  return lines("apiVersion: berth/v1", "kind: Job", "metadata:", `  name: ${name}`, "spec:", "  image: app:v1", '  schedule: "0 3 * * *"', ...spec);
}

const unknownPort = webExposing("    - port: 18080", "      targetPort: admin");
const udpApi = api("  ports:", "    - name: dns", "      containerPort: 53", "      protocol: udp", "    - name: http", "      containerPort: 9090", "  expose:", "    - port: 18053", "      targetPort: dns");
const portless = api("  expose:", "    - port: 18081", "      targetPort: http");
const apiClaims = api("  ports:", "    - name: http", "      containerPort: 9090", "  expose:", "    - port: 18080", "      targetPort: http");
const webClaims = webExposing("    - port: 18080", "      targetPort: http");
const twiceInOne = webExposing("    - port: 18080", "      targetPort: http", "    - port: 18080", "      targetPort: http");
const jobHostPort = job("report", "  ports:", "    - name: http", "      containerPort: 80", "      hostPort: 18080");
const apiHostPort = api("  ports:", "    - name: http", "      containerPort: 9090", "      hostPort: 18080");
const globalWithReplicas = api("  replicas: 2", "  placement:", "    mode: global");
const globalJob = job("report", "  placement:", "    mode: global");
const reserved = lines("apiVersion: berth/v1", "kind: Service", "metadata:", "  name: berth-proxy", "spec:", "  image: app:v1");

const cases: Case[] = [
  {
    name: "expose targetPort that names no port of the service lists the tcp ports it has",
    changes: { [WEB_FILE]: unknownPort },
    expected: [
      { file: WEB_FILE, ...at(unknownPort, "targetPort:", "admin"), code: "unknown-port", path: "spec.expose[0].targetPort", message: 'expose targetPort "admin" is not one of the service\'s ports (http)' },
    ],
  },
  {
    name: "expose targetPort that names a udp port",
    changes: { [API_FILE]: udpApi },
    expected: [{ file: API_FILE, ...at(udpApi, "targetPort:", "dns"), code: "unknown-port", path: "spec.expose[0].targetPort", message: 'expose targetPort "dns" is a udp port; only tcp ports can be exposed' }],
  },
  {
    name: "expose on a service that declares no port at all",
    changes: { [API_FILE]: portless },
    expected: [{ file: API_FILE, ...at(portless, "targetPort:", "http"), code: "unknown-port", path: "spec.expose[0].targetPort", message: 'expose targetPort "http" is not one of the service\'s ports (it declares none)' }],
  },
  {
    // api.yaml is read first, so web's claim is the second: reported at web, naming api's file and line.
    name: "one exposed port claimed by two services: at the second claim, with the first's file:line",
    changes: { [API_FILE]: apiClaims, [WEB_FILE]: webClaims },
    expected: [
      {
        file: WEB_FILE,
        ...at(webClaims, "- port:", "18080"),
        code: "port-conflict",
        path: "spec.expose[0].port",
        message: `port 18080 is exposed by service "web" here and service "api" exposes it at ${API_FILE}:${lineOf(apiClaims, "- port: 18080")}: every host answers on an exposed port, so only one service may claim it`,
      },
    ],
  },
  {
    name: "one service exposing the same port twice: at the second entry, naming the first",
    changes: { [WEB_FILE]: twiceInOne },
    expected: [
      {
        file: WEB_FILE,
        ...at(twiceInOne, "- port:", "18080", 2),
        code: "port-conflict",
        path: "spec.expose[1].port",
        message: `port 18080 is exposed by service "web" here and service "web" exposes it at ${WEB_FILE}:${lineOf(twiceInOne, "- port: 18080", 1)}: every host answers on an exposed port, so only one service may claim it`,
      },
    ],
  },
  {
    name: "a Job's fixed host port equal to an exposed port",
    changes: { [WEB_FILE]: webClaims, "jobs/report.yaml": jobHostPort },
    expected: [
      {
        file: "jobs/report.yaml",
        ...at(jobHostPort, "hostPort:", "18080"),
        code: "port-conflict",
        path: "spec.ports[0].hostPort",
        message: `Job "report" binds host port 18080, which service "web" exposes it at ${WEB_FILE}:${lineOf(webClaims, "- port: 18080")}: the proxy holds it on every host; pick another port`,
      },
    ],
  },
  {
    // The exposing service comes later in file order: the check still sees every claim.
    name: "a Service's fixed host port equal to a port a later file exposes",
    changes: { [API_FILE]: apiHostPort, [WEB_FILE]: webClaims },
    expected: [
      {
        file: API_FILE,
        ...at(apiHostPort, "hostPort:", "18080"),
        code: "port-conflict",
        path: "spec.ports[0].hostPort",
        message: `Service "api" binds host port 18080, which service "web" exposes it at ${WEB_FILE}:${lineOf(webClaims, "- port: 18080")}: the proxy holds it on every host; pick another port`,
      },
    ],
  },
  {
    name: "a global service with replicas, at the replicas key",
    changes: { [API_FILE]: globalWithReplicas },
    expected: [
      {
        file: API_FILE,
        line: lineOf(globalWithReplicas, "replicas:"),
        col: colOf(globalWithReplicas, lineOf(globalWithReplicas, "replicas:"), "replicas"),
        code: "global-replicas",
        path: "spec.replicas",
        message: 'service "api" is global (one pod on every host that passes its constraints), so it takes no replicas; remove replicas, or drop placement.mode global',
      },
    ],
  },
  {
    name: "a global Job, at the mode's value",
    changes: { "jobs/report.yaml": globalJob },
    expected: [{ file: "jobs/report.yaml", ...at(globalJob, "mode:", "global"), code: "global-job", path: "spec.placement.mode", message: "a Job runs once per schedule, not on every host: placement.mode global is for Services" }],
  },
  {
    name: "a service named berth-proxy, at the name",
    changes: { "services/proxy.yaml": reserved },
    expected: [{ file: "services/proxy.yaml", ...at(reserved, "name:", "berth-proxy"), code: "reserved-name", path: "metadata.name", message: 'the name "berth-proxy" is berth\'s own (the traffic proxy on every host); pick another name' }],
  },
  {
    name: "a job named berth-proxy, at the name",
    changes: { "jobs/proxy.yaml": job("berth-proxy") },
    expected: [{ file: "jobs/proxy.yaml", ...at(job("berth-proxy"), "name:", "berth-proxy"), code: "reserved-name", path: "metadata.name", message: 'the name "berth-proxy" is berth\'s own (the traffic proxy on every host); pick another name' }],
  },
];

describe("load: traffic checks (check-traffic.ts)", () => {
  for (const c of cases) {
    it(c.name, () => {
      const result = loadWith(c.changes);
      assert.equal(result.ok, false);
      const got = result.diagnostics.map((d) => ({ file: d.file, line: d.line, col: d.col, code: d.code, path: d.path, message: d.message }));
      assert.deepEqual(got, c.expected);
    });
  }

  it("all the mistakes of one repository are reported in one run", () => {
    const result = loadWith({ [API_FILE]: apiClaims, [WEB_FILE]: webClaims, "jobs/report.yaml": jobHostPort, "services/proxy.yaml": reserved });
    assert.deepEqual(
      result.diagnostics.map((d) => `${d.file}:${d.code}`),
      ["jobs/report.yaml:port-conflict", "services/proxy.yaml:reserved-name", "services/web.yaml:port-conflict"],
    );
  });

  it("a valid expose loads with the target's containerPort filled in", () => {
    const result = loadWith({ [WEB_FILE]: webExposing("    - port: 18080", "      targetPort: http") });
    assert.deepEqual(result.diagnostics, []);
    assert.ok(result.ok);
    const web = result.fleet.services.find((s) => s.name === "web");
    assert.deepEqual(web?.expose, [{ port: 18080, targetPort: "http", containerPort: 8080 }]);
  });

  it("an exposed port in the engines' ephemeral range loads, with a warning at the port", () => {
    const text = webExposing("    - port: 40000", "      targetPort: http");
    const result = loadWith({ [WEB_FILE]: text });
    assert.ok(result.ok);
    const line = lineOf(text, "- port: 40000");
    assert.deepEqual(result.diagnostics.map((d) => [d.file, d.line, d.col, d.severity, d.code]), [[WEB_FILE, line, colOf(text, line, "40000"), "warning", "port-ephemeral"]]);
    assert.match(result.diagnostics[0]!.message, /^port 40000 is in the range engines give published ports \(32768–60999 on Linux\)/);
  });

  it("a service without expose has no expose field", () => {
    const result = loadWith();
    assert.ok(result.ok);
    assert.equal("expose" in result.fleet.services[0]!, false);
  });

  it("a global service loads with replicas 0 and placement.mode global (the count is set when planned)", () => {
    const result = loadWith({ [API_FILE]: api("  placement:", "    mode: global") });
    assert.deepEqual(result.diagnostics, []);
    assert.ok(result.ok);
    const svc = result.fleet.services.find((s) => s.name === "api")!;
    assert.equal(svc.replicas, 0);
    assert.equal(svc.placement.mode, "global");
    // A replicated service carries no mode at all.
    assert.equal(result.fleet.services.find((s) => s.name === "web")!.placement.mode, undefined);
  });

  it("examples-repo: web and cache load with their expose normalised", async () => {
    const result = loadFleet(await readRepoDir(resolve(import.meta.dirname, "..", "..", "..", "examples-repo")));
    assert.ok(result.ok);
    const exposed = Object.fromEntries(result.fleet.services.filter((s) => s.expose).map((s) => [s.name, s.expose]));
    assert.deepEqual(exposed, {
      cache: [{ port: 16379, targetPort: "cache", containerPort: 6379 }],
      web: [{ port: 18080, targetPort: "http", containerPort: 8080, protocol: "http" }],
    });
  });
});
