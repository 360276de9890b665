/**
 * `${{ services.NAME.address }}`: an exposed service's stable address (its
 * port on the proxy of the pod's own host), resolved in template strings and
 * in a service's or job's own env, command, args and `with:` values; the pod
 * that uses one, and only that pod, gets the host alias.
 */
import assert from "node:assert/strict";
import type { LoadResult } from "../../../reconciler/load/load-fleet.ts";
import type { PodSpec } from "../../../reconciler/model/pod.ts";
import { addressProblem, addressTarget, addressValues } from "../../../reconciler/templates/service-addresses.ts";
import { podSpecHash } from "../../../reconciler/templates/spec-hash.ts";
import { lines, loadWith } from "../load/fleet-files.ts";

const CACHE = lines(
  "apiVersion: berth/v1",
  "kind: Service",
  "metadata:",
  "  name: cache",
  "spec:",
  "  image: cache:v1",
  "  ports:",
  "    - name: cache",
  "      containerPort: 6379",
  "  expose:",
  "    - port: 16379",
  "      targetPort: cache",
);

/** A service whose own fields name the cache's address (line 7: env, line 8: command, line 9: args). */
function api(env: string, extra: readonly string[] = []): string {
  return lines(
    "apiVersion: berth/v1",
    "kind: Service",
    "metadata:",
    "  name: api",
    "spec:",
    "  image: app:v1",
    `  env: { CACHE: "${env}", MODE: fast }`,
    '  command: ["app", "--cache=${{ services.cache.address }}"]',
    '  args: ["${{ services.cache.address }}"]',
    ...extra,
  );
}

/** A template whose container names the cache's address (line 8). */
function pinger(expression: string): string {
  return lines(
    "apiVersion: berth/v1",
    "kind: Template",
    "metadata:",
    "  name: pinger",
    "spec:",
    "  pattern: ambassador",
    "  params:",
    "    target: { type: string, default: none }",
    "  containers:",
    "    - name: pinger",
    "      image: toolbox:v1",
    `      env: { TARGET: "${expression}", VIA: "\${{ params.target }}" }`,
  );
}

const USES_PINGER = ["  uses:", "    - template: pinger", "      with: { target: \"up=${{ services.cache.address }}\" }"];

function podOf(result: LoadResult, name: string): PodSpec {
  assert.ok(result.ok, JSON.stringify(result.diagnostics));
  const found = result.fleet.services.find((s) => s.name === name) ?? result.fleet.jobs.find((j) => j.name === name);
  assert.ok(found, `no ${name}`);
  return found.pod;
}

/** 1-based column of `needle` on line `n` of `text`, computed from the text. */
function colOf(text: string, n: number, needle: string): number {
  const i = (text.split("\n")[n - 1] ?? "").indexOf(needle);
  if (i < 0) throw new Error(`test setup: ${JSON.stringify(needle)} is not on line ${n}`);
  return i + 1;
}

describe("service addresses", () => {
  describe("the name table", () => {
    const services = new Map<string, number | undefined>([["cache", 16379], ["web", undefined]]);
    const cases: { name: string; expression: string; target: string | undefined; problem: string | undefined }[] = [
      { name: "an exposed service", expression: "services.cache.address", target: "cache", problem: undefined },
      { name: "a service without expose", expression: "services.web.address", target: "web", problem: 'services.web.address: service "web" exposes no port; add expose: to it' },
      { name: "no such service", expression: "services.cahce.address", target: "cahce", problem: 'no service named "cahce" (services: cache, web)' },
      { name: "a prototype name is no service", expression: "services.constructor.address", target: "constructor", problem: 'no service named "constructor" (services: cache, web)' },
      { name: "not an address name", expression: "service.name", target: undefined, problem: undefined },
      { name: "a nested name is not an address", expression: "services.a.b.address", target: undefined, problem: undefined },
    ];
    for (const c of cases) {
      it(c.name, () => {
        assert.equal(addressTarget(c.expression), c.target);
        assert.equal(addressProblem(c.expression, services), c.problem);
      });
    }
    it("only exposed services have an address: their first exposed port on host.berth.internal", () => {
      assert.deepEqual([...addressValues(services)], [["services.cache.address", "host.berth.internal:16379"]]);
    });
  });

  describe("resolution", () => {
    it("in a service's own env, command and args; other values untouched", () => {
      const pod = podOf(loadWith({ "services/cache.yaml": CACHE, "services/api.yaml": api("${{ services.cache.address }}") }), "api");
      const main = pod.containers[0];
      assert.deepEqual(main?.env, { CACHE: "host.berth.internal:16379", MODE: "fast" });
      assert.deepEqual(main?.command, ["app", "--cache=host.berth.internal:16379"]);
      assert.deepEqual(main?.args, ["host.berth.internal:16379"]);
      assert.deepEqual(pod.extraHosts, ["host.berth.internal:host-gateway"]);
    });

    it("in a template's strings, and in a service's `with:` values passed to a template", () => {
      const result = loadWith({
        "services/cache.yaml": CACHE,
        "templates/pinger.yaml": pinger("${{ services.cache.address }}"),
        "services/api.yaml": api("plain", USES_PINGER),
      });
      const pod = podOf(result, "api");
      assert.deepEqual(pod.containers[1]?.env, { TARGET: "host.berth.internal:16379", VIA: "up=host.berth.internal:16379" });
      assert.deepEqual(pod.extraHosts, ["host.berth.internal:host-gateway"]);
    });

    it("in a job's own env, the cache's file read after the job's", () => {
      const job = lines(
        "apiVersion: berth/v1",
        "kind: Job",
        "metadata:",
        "  name: report",
        "spec:",
        "  image: toolbox:v1",
        '  schedule: "0 3 * * *"',
        '  env: { CACHE: "${{ services.cache.address }}" }',
      );
      const pod = podOf(loadWith({ "a-jobs/report.yaml": job, "services/cache.yaml": CACHE }), "report");
      assert.deepEqual(pod.containers[0]?.env, { CACHE: "host.berth.internal:16379" });
      assert.deepEqual(pod.extraHosts, ["host.berth.internal:host-gateway"]);
    });
  });

  describe("the host alias", () => {
    it("is absent from a pod that names no address, even beside exposed services, and its hash is what it was", () => {
      // 5ae8b970009faba4: the base web pod's hash before addresses existed (commit 17188e8).
      const fleets: Record<string, string>[] = [{}, { "services/cache.yaml": CACHE, "templates/pinger.yaml": pinger("${{ services.cache.address }}") }];
      for (const changes of fleets) {
        const web = podOf(loadWith(changes), "web");
        assert.equal(web.extraHosts, undefined);
        assert.ok(!("extraHosts" in web));
        assert.equal(web.specHash, "5ae8b970009faba4");
      }
    });

    it("changes the hash of the pod that gains it", () => {
      const pod = podOf(loadWith({ "services/cache.yaml": CACHE, "services/api.yaml": api("${{ services.cache.address }}") }), "api");
      const { specHash, extraHosts, ...withoutAlias } = pod;
      assert.deepEqual(extraHosts, ["host.berth.internal:host-gateway"]);
      assert.notEqual(podSpecHash(withoutAlias), specHash);
    });

    it("is the same pod whether the address is an expression or written out", () => {
      const written = podOf(loadWith({ "services/cache.yaml": CACHE, "services/api.yaml": api("host.berth.internal:16379").replace(/\$\{\{ services\.cache\.address \}\}/g, "host.berth.internal:16379") }), "api");
      const expression = podOf(loadWith({ "services/cache.yaml": CACHE, "services/api.yaml": api("${{ services.cache.address }}") }), "api");
      assert.deepEqual(written, expression);
    });
  });

  describe("diagnostics, at the expression", () => {
    interface Case {
      readonly name: string;
      readonly changes: Readonly<Record<string, string>>;
      readonly expected: readonly { file: string; line: number; col: number; code: string; path: string; message: string }[];
    }
    const cahceInEnv = api("${{ services.cahce.address }}");
    const webInEnv = api("${{ services.web.address }}");
    const paramsInEnv = api("${{ params.x }}");
    const cahceInTemplate = pinger("${{ services.cahce.address }}");
    const withUnexposed = api("plain", ["  uses:", "    - template: pinger", '      with: { target: "${{ services.web.address }}" }']);
    const cases: Case[] = [
      {
        name: "no service of that name, in a service's env",
        changes: { "services/cache.yaml": CACHE, "services/api.yaml": cahceInEnv },
        expected: [{ file: "services/api.yaml", line: 7, col: colOf(cahceInEnv, 7, "${{ services.cahce"), code: "unknown-service", path: "spec.env.CACHE", message: 'no service named "cahce" (services: api, cache, web)' }],
      },
      {
        name: "a service that exposes no port, in a service's env",
        changes: { "services/cache.yaml": CACHE, "services/api.yaml": webInEnv },
        expected: [{ file: "services/api.yaml", line: 7, col: colOf(webInEnv, 7, "${{ services.web"), code: "unknown-service", path: "spec.env.CACHE", message: 'services.web.address: service "web" exposes no port; add expose: to it' }],
      },
      {
        name: "a template's name in a service's own field",
        changes: { "services/cache.yaml": CACHE, "services/api.yaml": paramsInEnv },
        expected: [{ file: "services/api.yaml", line: 7, col: colOf(paramsInEnv, 7, "${{ params.x }}"), code: "unknown-name", path: "spec.env.CACHE", message: "${{ params.x }} cannot be used in a service's own fields: only ${{ services.<name>.address }} is substituted there (params.* and service.* are for templates)" }],
      },
      {
        name: "the cache not in the repository: every use in command and args",
        changes: { "services/api.yaml": api("plain") },
        expected: [
          { file: "services/api.yaml", line: 8, col: colOf(api("plain"), 8, "${{"), code: "unknown-service", path: "spec.command[1]", message: 'no service named "cache" (services: api, web)' },
          { file: "services/api.yaml", line: 9, col: colOf(api("plain"), 9, "${{"), code: "unknown-service", path: "spec.args[0]", message: 'no service named "cache" (services: api, web)' },
        ],
      },
      {
        name: "no service of that name, in a template: once, in the template's file",
        changes: { "services/cache.yaml": CACHE, "templates/pinger.yaml": cahceInTemplate, "services/api.yaml": api("plain", USES_PINGER) },
        expected: [{ file: "templates/pinger.yaml", line: 12, col: colOf(cahceInTemplate, 12, "${{ services.cahce"), code: "unknown-service", path: "spec.containers[0].env.TARGET", message: 'no service named "cahce" (services: api, cache, web)' }],
      },
      {
        name: "a service that exposes no port, in a `with:` value",
        changes: { "services/cache.yaml": CACHE, "templates/pinger.yaml": pinger("x"), "services/api.yaml": withUnexposed },
        expected: [{ file: "services/api.yaml", line: 12, col: colOf(withUnexposed, 12, "${{ services.web"), code: "unknown-service", path: "spec.uses[0].with.target", message: 'services.web.address: service "web" exposes no port; add expose: to it' }],
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const result = loadWith(c.changes);
        assert.equal(result.ok, false);
        assert.deepEqual(
          result.diagnostics.map((d) => ({ file: d.file, line: d.line, col: d.col, code: d.code, path: d.path, message: d.message })),
          c.expected,
        );
      });
    }
  });
});
