/**
 * One case per kind of diagnostic: each changes the valid base fleet in one
 * place and asserts the exact file, line, column, JSON path and message.
 */
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../../reconciler/load/diagnostic.ts";
import { HOSTS, TAIL_TEMPLATE, WEB, lines, loadWith } from "./fleet-files.ts";

interface Expected {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly code: string;
  readonly path: string;
  /** The message, or a part of it that says what matters. */
  readonly message: string;
}

interface Case {
  readonly name: string;
  readonly changes: Readonly<Record<string, string | null>>;
  readonly expected: readonly Expected[];
}

/** 1-based column of `needle` in line `n` (1-based) of `text`: computed from the text, not the loader. */
function colOf(text: string, n: number, needle: string): number {
  const line = text.split("\n")[n - 1] ?? "";
  const i = line.indexOf(needle);
  if (i < 0) throw new Error(`test setup: ${JSON.stringify(needle)} is not on line ${n}`);
  return i + 1;
}

const WEB_FILE = "services/web.yaml";
const TAIL_FILE = "templates/tail.yaml";
const brokenTemplateName = TAIL_TEMPLATE.replace("${{ params.path }}", "${{ params.pth }}");
const portRenamed = WEB.replace("    - name: http", "    - name: web");

const cases: Case[] = [
  {
    // At the "[" that is never closed, not only at the next key where yaml noticed it.
    name: "YAML syntax error (unterminated flow sequence)",
    changes: { [WEB_FILE]: WEB.replace("  replicas: 2", "  replicas: [2") },
    expected: [{ file: WEB_FILE, line: 7, col: 13, code: "yaml-syntax", path: "", message: 'flow sequence "[" is never closed (noticed at 8:3)' }],
  },
  {
    name: "duplicate key",
    changes: { [WEB_FILE]: WEB.replace("  replicas: 2", "  replicas: 2\n  replicas: 3") },
    expected: [{ file: WEB_FILE, line: 8, col: 3, code: "yaml-syntax", path: "", message: "YAML syntax: Map keys must be unique" }],
  },
  {
    name: "wrong type",
    changes: { [WEB_FILE]: WEB.replace("  replicas: 2", '  replicas: "2"') },
    expected: [{ file: WEB_FILE, line: 7, col: 13, code: "schema", path: "spec.replicas", message: 'must be integer; got "2"' }],
  },
  {
    name: "unknown field, at its key",
    changes: { [WEB_FILE]: WEB.replace("  replicas: 2", "  replica: 2") },
    expected: [{ file: WEB_FILE, line: 7, col: 3, code: "schema", path: "spec.replica", message: 'unknown field "replica"; did you mean "replicas"?' }],
  },
  {
    name: "unknown field with no close match gets no guess",
    changes: { [WEB_FILE]: WEB.replace("  replicas: 2", "  flavour: 2") },
    expected: [{ file: WEB_FILE, line: 7, col: 3, code: "schema", path: "spec.flavour", message: 'unknown field "flavour"' }],
  },
  {
    name: "unknown field in a nested object suggests from that object's fields",
    changes: { [WEB_FILE]: WEB.replace("      containerPort: 8080", "      containerPort: 8080\n      hostport: 80") },
    expected: [{ file: WEB_FILE, line: 11, col: 7, code: "schema", path: "spec.ports[0].hostport", message: 'unknown field "hostport"; did you mean "hostPort"?' }],
  },
  {
    name: "missing required field, at the parent's key",
    changes: { [WEB_FILE]: WEB.replace("  image: app:v1", "  # no image") },
    expected: [{ file: WEB_FILE, line: 5, col: 1, code: "schema", path: "spec", message: 'missing required field "image"' }],
  },
  {
    name: "minimum, enum and duration pattern, all in one run",
    changes: { [WEB_FILE]: WEB + lines("  rollout:", "    maxSurge: -1", "    order: sideways", "    minReady: 5x") },
    expected: [
      { file: WEB_FILE, line: 19, col: 15, code: "schema", path: "spec.rollout.maxSurge", message: "must be >= 0; got -1" },
      { file: WEB_FILE, line: 20, col: 12, code: "schema", path: "spec.rollout.order", message: 'must be one of "start-first", "stop-first"; got "sideways"' },
      { file: WEB_FILE, line: 21, col: 15, code: "schema", path: "spec.rollout.minReady", message: 'must be a duration such as 500ms, 10s, 2m or 1h30m; got "5x"' },
    ],
  },
  {
    name: "secret reference with neither fromEnv nor fromFile",
    changes: { [WEB_FILE]: WEB + lines("  secretEnv:", "    - name: TOKEN") },
    expected: [{ file: WEB_FILE, line: 19, col: 7, code: "schema", path: "spec.secretEnv[0]", message: "must be a secret reference with `name` and exactly one of `fromEnv` or `fromFile`" }],
  },
  {
    name: "a variable in both env and secretEnv",
    changes: { [WEB_FILE]: WEB + lines("  env:", "    TOKEN: plain", "  secretEnv:", "    - name: TOKEN", "      fromEnv: WEB_TOKEN") },
    expected: [{ file: WEB_FILE, line: 21, col: 13, code: "duplicate-env", path: "spec.secretEnv[0].name", message: 'variable "TOKEN" is set twice: in env and in secretEnv' }],
  },
  {
    name: "constraint op that needs values",
    changes: { [WEB_FILE]: WEB + lines("  placement:", "    constraints:", "      - label: zone", "        op: in") },
    expected: [{ file: WEB_FILE, line: 20, col: 9, code: "schema", path: "spec.placement.constraints[0]", message: 'missing required field "values"' }],
  },
  {
    name: "unknown kind",
    changes: { [WEB_FILE]: WEB.replace("kind: Service", "kind: Servce") },
    expected: [{ file: WEB_FILE, line: 2, col: 7, code: "unknown-kind", path: "kind", message: 'unknown kind "Servce"; expected one of Host, Service, Job, Template, Policy' }],
  },
  {
    name: "duplicate name, at the second document",
    changes: { "services/web-copy.yaml": WEB },
    expected: [{ file: "services/web.yaml", line: 4, col: 9, code: "duplicate-name", path: "metadata.name", message: 'Service name "web" is already used by the Service in services/web-copy.yaml:1' }],
  },
  {
    name: "a job may not take a service's name",
    changes: { "jobs/web.yaml": WEB.replace("kind: Service", "kind: Job").replace("  replicas: 2\n", "") },
    expected: [{ file: WEB_FILE, line: 4, col: 9, code: "duplicate-name", path: "metadata.name", message: 'Service name "web" is already used by the Job in jobs/web.yaml:1' }],
  },
  {
    name: "unknown template",
    changes: { [WEB_FILE]: WEB.replace("    - template: tail", "    - template: tale") },
    expected: [{ file: WEB_FILE, line: 15, col: 17, code: "unknown-template", path: "spec.uses[0].template", message: 'unknown template "tale"; known templates: tail' }],
  },
  {
    name: "missing template parameter, at the uses entry",
    changes: { [WEB_FILE]: WEB.replace("      with:\n        path: /var/log/app\n", "") },
    expected: [{ file: WEB_FILE, line: 15, col: 7, code: "missing-param", path: "spec.uses[0]", message: 'template "tail" needs parameter "path" (string); add it under `with:`' }],
  },
  {
    name: "mistyped template parameter, at its value",
    changes: { [WEB_FILE]: WEB.replace("        path: /var/log/app", "        path: 5") },
    expected: [{ file: WEB_FILE, line: 17, col: 15, code: "param-type", path: "spec.uses[0].with.path", message: 'parameter "path" of template "tail" must be a string; got 5' }],
  },
  {
    name: "unknown template parameter, at its key",
    changes: { [WEB_FILE]: WEB + lines("        lnes: 5") },
    expected: [{ file: WEB_FILE, line: 18, col: 9, code: "unknown-param", path: "spec.uses[0].with.lnes", message: 'template "tail" has no parameter "lnes"; it has "path", "lines"' }],
  },
  {
    name: "unknown name in a template, at the expression",
    changes: { [TAIL_FILE]: brokenTemplateName },
    expected: [
      {
        file: TAIL_FILE,
        line: 17,
        col: colOf(brokenTemplateName, 17, "${{ params.pth }}"),
        code: "unknown-name",
        path: "spec.containers[0].command[4]",
        message: 'unknown name "params.pth" in ${{ params.pth }}; known names are params.path, params.lines, service.name, service.ports.<port name>, services.<service name>.address',
      },
    ],
  },
  {
    name: "service port a template needs is missing: reported in the template and at the uses entry",
    changes: { [WEB_FILE]: portRenamed },
    expected: [
      { file: WEB_FILE, line: 15, col: 7, code: "template-expansion", path: "spec.uses[0]", message: 'template "tail" uses ${{ service.ports.http }} (templates/tail.yaml:15), but service "web" has no port named "http"' },
      { file: TAIL_FILE, line: 19, col: colOf(TAIL_TEMPLATE, 19, "${{ service.ports.http }}"), code: "unknown-name", path: "spec.containers[0].env.SOURCE", message: 'unknown name "service.ports.http" in ${{ service.ports.http }} when used by service "web"' },
    ],
  },
  {
    name: "constraint on a label no host has",
    changes: { [WEB_FILE]: WEB + lines("  placement:", "    constraints:", "      - label: rack", "        op: exists") },
    expected: [{ file: WEB_FILE, line: 20, col: 16, code: "unknown-label", path: "spec.placement.constraints[0].label", message: 'constraint on label "rack", which no host has (host labels: zone)' }],
  },
  {
    name: "fixed host port used twice by one pod",
    changes: { [WEB_FILE]: WEB.replace("      containerPort: 8080", lines("      containerPort: 8080", "      hostPort: 80", "    - name: alt", "      containerPort: 8081", "      hostPort: 80").trimEnd()) },
    expected: [{ file: WEB_FILE, line: 12, col: 7, code: "duplicate-host-port", path: "spec.ports[1]", message: 'host port 80/tcp is used twice in the pod of service "web": by ports[0] and by ports[1]' }],
  },
  {
    name: "more replicas with a fixed host port than hosts",
    changes: { [WEB_FILE]: WEB.replace("  replicas: 2", "  replicas: 3").replace("      containerPort: 8080", "      containerPort: 8080\n      hostPort: 80") },
    expected: [{ file: WEB_FILE, line: 7, col: 13, code: "host-port-capacity", path: "spec.replicas", message: 'Service "web" asks for 3 replicas with fixed host port 80/tcp, but only 2 host(s) can run it (h1, h2): one replica per host at most' }],
  },
  {
    name: "health check on an unknown port name",
    changes: { [WEB_FILE]: WEB + lines("  health:", "    http:", "      port: admin") },
    expected: [{ file: WEB_FILE, line: 20, col: 13, code: "unknown-port", path: "spec.health.http.port", message: 'health check names port "admin", but the pod has only "http"' }],
  },
  {
    name: "image from a registry the policy does not allow (main and template container)",
    changes: { "policy.yaml": lines("apiVersion: berth/v1", "kind: Policy", "metadata:", "  name: p", "spec:", "  allowedRegistries: [127.0.0.1:5000]") },
    expected: [
      { file: WEB_FILE, line: 6, col: 10, code: "policy", path: "spec.image", message: 'image "app:v1" comes from registry "docker.io", which the Policy does not allow (allowedRegistries: 127.0.0.1:5000)' },
      { file: WEB_FILE, line: 15, col: 7, code: "policy", path: "spec.uses[0]", message: 'image of container "tail" (template "tail") "toolbox:v1" comes from registry "docker.io", which the Policy does not allow (allowedRegistries: 127.0.0.1:5000)' },
    ],
  },
  {
    name: "host bind mount without a policy that allows it",
    changes: { [WEB_FILE]: WEB.replace("      mountPath: /var/log/app", "      mountPath: /var/log/app\n      hostPath: /srv/logs") },
    expected: [{ file: WEB_FILE, line: 14, col: 17, code: "policy", path: "spec.volumes[0].hostPath", message: 'bind mount of host folder "/srv/logs" is refused: no Policy document allows it (allowedHostPaths)' }],
  },
  {
    name: "plain tcp endpoint without tls or an explicit insecure: true",
    changes: { "hosts.yaml": HOSTS.replace("  insecure: true\n", "") },
    expected: [{ file: "hosts.yaml", line: 6, col: 13, code: "insecure-endpoint", path: "spec.endpoint", message: 'endpoint "tcp://127.0.0.11:2375" is plain TCP: give `tls` files, or state `insecure: true` if this really is an unprotected engine' }],
  },
  {
    name: "invalid cron schedule",
    changes: { "jobs/report.yaml": lines("apiVersion: berth/v1", "kind: Job", "metadata:", "  name: report", "spec:", "  image: toolbox:v1", '  schedule: "0 25 * * *"') },
    expected: [{ file: "jobs/report.yaml", line: 7, col: 13, code: "bad-schedule", path: "spec.schedule", message: 'schedule "0 25 * * *" is not a valid cron expression (5 fields: minute hour day-of-month month day-of-week, or 6 with seconds first)' }],
  },
  {
    name: "errors in several files, sorted by file then line",
    changes: {
      [WEB_FILE]: WEB.replace("  replicas: 2", "  replicas: -2"),
      "hosts.yaml": HOSTS.replace("    zone: b", "    zone: 5"),
    },
    expected: [
      { file: "hosts.yaml", line: 19, col: 11, code: "schema", path: "spec.labels.zone", message: "must be string; got 5" },
      { file: WEB_FILE, line: 7, col: 13, code: "schema", path: "spec.replicas", message: "must be >= 0; got -2" },
    ],
  },
];

describe("loader diagnostics", () => {
  it("the base fleet is valid (so each case below shows only its own mistake)", () => {
    const result = loadWith();
    assert.deepEqual(result.diagnostics.map((d) => formatDiagnostic(d)), []);
    assert.equal(result.ok, true);
  });

  for (const c of cases) {
    it(c.name, () => {
      const result = loadWith(c.changes);
      assert.equal(result.ok, false);
      const got = result.diagnostics.map(({ file, line, col, code, path, message }) => ({ file, line, col, code, path, message }));
      assert.deepEqual(got, c.expected);
      for (const d of result.diagnostics) assert.equal(d.severity, "error");
    });
  }

  it("TLS files on a unix:// or ssh:// engine are a warning, and the host is loaded without them", () => {
    const tls = lines("  tls:", "    ca: /etc/berth/ca.pem", "    cert: /etc/berth/cert.pem", "    key: /etc/berth/key.pem");
    const hosts = HOSTS.replace("  endpoint: tcp://127.0.0.11:2375\n  insecure: true\n", `  endpoint: unix:///var/run/docker.sock\n${tls}`).replace("  endpoint: tcp://127.0.0.12:2375\n  insecure: true\n", `  endpoint: ssh://berth@10.0.0.2\n${tls}`);
    const result = loadWith({ "hosts.yaml": hosts });
    assert.equal(result.ok, true);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.severity, d.code, d.path, d.line]),
      [
        ["warning", "tls-on-unix", "spec.tls", 7],
        ["warning", "tls-on-ssh", "spec.tls", 20],
      ],
    );
    assert.match(result.diagnostics[1]!.message, /ssh:\/\/berth@10\.0\.0\.2.*through SSH.*remove `tls`/);
    assert.ok(result.ok && result.fleet.hosts.every((h) => h.tls === undefined), "neither host keeps TLS files it would not use");
  });

  it("formats a diagnostic as file:line:col: error: message (at path)", () => {
    const result = loadWith({ [WEB_FILE]: WEB + lines("  rollout:", "    maxSurge: -1") });
    assert.deepEqual(result.diagnostics.map((d) => formatDiagnostic(d)), ["services/web.yaml:19:15: error: must be >= 0; got -1 (at spec.rollout.maxSurge)"]);
  });
});
