/**
 * Template expansion: what the pod of a service that uses templates is.
 */
import assert from "node:assert/strict";
import { loadFleet } from "../../../reconciler/load/load-fleet.ts";
import type { PodSpec } from "../../../reconciler/model/pod.ts";
import { BASE, TAIL_TEMPLATE, WEB, lines, loadWith } from "../load/fleet-files.ts";

function podOf(result: ReturnType<typeof loadWith>, name = "web"): PodSpec {
  assert.ok(result.ok, JSON.stringify(result.diagnostics));
  const found = result.fleet.services.find((s) => s.name === name) ?? result.fleet.jobs.find((j) => j.name === name);
  assert.ok(found);
  return found.pod;
}

const ADAPTER = lines(
  "apiVersion: berth/v1",
  "kind: Template",
  "metadata:",
  "  name: exporter",
  "spec:",
  "  pattern: adapter",
  "  params:",
  "    port: { type: integer, default: 9100 }",
  "  containers:",
  "    - name: exporter",
  "      image: toolbox:v1",
  "      ports:",
  "        - name: metrics",
  '          containerPort: "${{ params.port }}"',
  "      shareVolumes: [logs]",
  "      resources: { cpu: 0.2, memory: 32Mi }",
);

describe("template expansion", () => {
  it("puts main first, then each template's containers, with parameters and service values substituted", () => {
    const pod = podOf(loadWith());
    assert.deepEqual(pod.containers.map((c) => [c.name, c.template, c.pattern]), [["main", undefined, undefined], ["tail", "tail", "sidecar"]]);
    assert.deepEqual(pod.containers[1]?.command, ["tail", "-n", "10", "-F", "/var/log/app/app.log"]);
    assert.deepEqual(pod.containers[1]?.env, { SOURCE: "web:8080" });
  });

  it("a `with:` value replaces the parameter's default", () => {
    const pod = podOf(loadWith({ "services/web.yaml": WEB + lines("        lines: 50") }));
    assert.deepEqual(pod.containers[1]?.command?.[2], "50");
  });

  it("shareVolumes: true mounts every main volume at the same path; a list mounts the named ones", () => {
    const pod = podOf(loadWith({ "templates/exporter.yaml": ADAPTER, "services/web.yaml": WEB + lines("    - template: exporter") }));
    const mounts = Object.fromEntries(pod.containers.map((c) => [c.name, c.volumeMounts]));
    assert.deepEqual(mounts["tail"], [{ volume: "logs", mountPath: "/var/log/app", readOnly: false }]);
    assert.deepEqual(mounts["exporter"], [{ volume: "logs", mountPath: "/var/log/app", readOnly: false }]);
    assert.deepEqual(pod.volumes, [{ name: "logs", source: { kind: "pod" } }]);
  });

  it("template ports become pod ports (one network namespace), read as numbers after substitution", () => {
    const pod = podOf(loadWith({ "templates/exporter.yaml": ADAPTER, "services/web.yaml": WEB + lines("    - template: exporter", "      with: { port: 9300 }") }));
    assert.deepEqual(pod.ports, [
      { name: "metrics", container: "exporter", containerPort: 9300, protocol: "tcp" },
      { name: "http", container: "main", containerPort: 8080, protocol: "tcp" },
    ]);
    assert.equal(pod.network, "bridge");
  });

  it("a template port that is not a number after substitution is an error in the template and at the uses entry", () => {
    const adapter = ADAPTER.replace("port: { type: integer, default: 9100 }", "port: { type: string, default: nine }");
    const result = loadWith({ "templates/exporter.yaml": adapter, "services/web.yaml": WEB + lines("    - template: exporter") });
    assert.equal(result.ok, false);
    assert.deepEqual(result.diagnostics.map((d) => [d.file, d.line, d.path]), [
      ["services/web.yaml", 18, "spec.uses[1]"],
      ["templates/exporter.yaml", 13, "spec.containers[0].ports[0]"],
    ]);
  });

  it("the pod's resources are the sum over containers, defaults included", () => {
    const pod = podOf(loadWith({ "templates/exporter.yaml": ADAPTER, "services/web.yaml": WEB + lines("    - template: exporter") }));
    // main and tail take the defaults (0.1 cpu, 64Mi), the exporter asks for 0.2 and 32Mi.
    assert.deepEqual(pod.resources, { cpu: 0.4, memoryBytes: (64 + 64 + 32) * 2 ** 20 });
  });

  it("two templates adding a container of the same name is an error at the second uses entry", () => {
    const tail2 = TAIL_TEMPLATE.replace("  name: tail\nspec:", "  name: tail2\nspec:");
    const result = loadWith({ "templates/tail2.yaml": tail2, "services/web.yaml": WEB + lines("    - template: tail2", "      with: { path: /x }") });
    assert.deepEqual(result.diagnostics.map((d) => [d.file, d.line, d.col, d.code]), [["services/web.yaml", 18, 7, "duplicate-container"]]);
  });

  it("sharing a volume the service does not declare is an error at the uses entry", () => {
    const result = loadWith({ "templates/exporter.yaml": ADAPTER, "services/web.yaml": WEB.replace("    - name: logs", "    - name: data") + lines("    - template: exporter") });
    assert.ok(result.diagnostics.some((d) => d.code === "unknown-volume" && d.line === 18 && /shares volume "logs"/.test(d.message)));
  });

  it("a broken template is reported once, in its own file, not again at every service using it", () => {
    const broken = TAIL_TEMPLATE.replace("  pattern: sidecar", "  pattern: sidekick");
    const result = loadWith({ "templates/tail.yaml": broken, "services/api.yaml": WEB.replace("name: web", "name: api") });
    assert.deepEqual(result.diagnostics.map((d) => [d.file, d.path]), [["templates/tail.yaml", "spec.pattern"]]);
  });

  it("jobs expand the same way", () => {
    const job = WEB.replace("kind: Service", "kind: Job").replace("name: web", "name: report").replace("  replicas: 2\n", "") + lines('  schedule: "*/5 * * * *"');
    const result = loadFleet({ files: Object.entries({ ...BASE, "jobs/report.yaml": job }).map(([path, content]) => ({ path, content })) });
    const pod = podOf(result, "report");
    assert.equal(pod.kind, "job");
    assert.deepEqual(pod.containers[1]?.env, { SOURCE: "report:8080" });
  });
});

describe("the host alias for a name written out", () => {
  /** A sidecar template whose etcd URL comes from `with:` (line 8: env, line 9: args). */
  const ELECTOR = lines(
    "apiVersion: berth/v1",
    "kind: Template",
    "metadata:",
    "  name: elector",
    "spec:",
    "  pattern: sidecar",
    "  params: { endpoints: { type: string, default: http://etcd.example:2379 } }",
    "  containers:",
    "    - name: elector",
    "      image: toolbox:v1",
    '      env: { ETCD: "${{ params.endpoints }}" }',
  );
  /** web with `extra` lines added to its spec, and the elector used with `endpoints`. */
  const web = (extra: readonly string[], endpoints?: string): string =>
    lines(
      ...WEB.trimEnd().split("\n").slice(0, 6),
      ...extra,
      ...WEB.trimEnd().split("\n").slice(6),
      "    - template: elector",
      ...(endpoints === undefined ? [] : [`      with: { endpoints: "${endpoints}" }`]),
    );
  const cases: { name: string; extra?: readonly string[]; endpoints?: string; alias: boolean }[] = [
    { name: "a template's env value after substitution (from `with:`)", endpoints: "http://host.berth.internal:2379", alias: true },
    { name: "one of several comma-separated endpoints", endpoints: "http://etcd.example:2379,http://host.berth.internal:2379", alias: true },
    { name: "the service's own env value", extra: ['  env: { ETCD: "host.berth.internal:2379" }'], alias: true },
    { name: "the service's own command", extra: ['  command: ["app", "--etcd=http://host.berth.internal:2379"]'], alias: true },
    { name: "the service's own args", extra: ['  args: ["host.berth.internal"]'], alias: true },
    { name: "no mention: the template's default names another host", alias: false },
    { name: "a longer name that ends the same is another host", endpoints: "http://myhost.berth.internal:2379", alias: false },
    { name: "a longer name that starts the same is another host", endpoints: "http://host.berth.internal.example:2379", alias: false },
    { name: "a label value is not something the containers resolve", extra: ["  labels: { note: host.berth.internal }"], alias: false },
  ];
  for (const c of cases) {
    it(`${c.alias ? "is added" : "is not added"} for ${c.name}`, () => {
      const pod = podOf(loadWith({ "templates/elector.yaml": ELECTOR, "services/web.yaml": web(c.extra ?? [], c.endpoints) }));
      assert.deepEqual(pod.extraHosts, c.alias ? ["host.berth.internal:host-gateway"] : undefined);
    });
  }
});
