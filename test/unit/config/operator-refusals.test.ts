/**
 * The operator's trust boundary at load time: what a committer asks for
 * beyond the operator configuration is refused with file:line, before any
 * connection. Each case guards a hole reproduced before the operator
 * configuration existed (a committer could read the reconciler's own
 * files and environment into a container, point berth at an engine of
 * theirs without TLS, or grant themselves `/` through their own Policy).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { realpathSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defaultOperatorConfig } from "../../../reconciler/config/defaults.ts";
import { loadOperatorConfig } from "../../../reconciler/config/load-config.ts";
import { formatDiagnostic } from "../../../reconciler/load/diagnostic.ts";
import type { OperatorRules } from "../../../reconciler/load/check-operator.ts";
import { loadFleet } from "../../../reconciler/load/load-fleet.ts";
import type { OperatorConfig } from "../../../reconciler/model/operator-config.ts";
import { HOSTS, lines } from "../load/fleet-files.ts";

const state = mkdtempSync(path.join(os.tmpdir(), "berth-operator-"));
const secretsDir = path.join(state, "secrets");
mkdirSync(secretsDir, { recursive: true });
writeFileSync(path.join(secretsDir, "db-password"), "x\n");
// A symlink inside the secrets folder that leads out of it.
symlinkSync("/etc/hostname", path.join(secretsDir, "sneaky"));

const rules = (over: Partial<OperatorConfig> = {}): OperatorRules => ({ config: { ...defaultOperatorConfig(state), file: "/etc/berth/config.yaml", ...over }, realpath: realpathSync.native });

function service(...extra: string[]): string {
  return lines("apiVersion: berth/v1", "kind: Service", "metadata:", "  name: web", "spec:", "  image: 127.0.0.1:5000/berth/app:v1", ...extra);
}

function errors(files: Record<string, string>, r: OperatorRules = rules()): string[] {
  const result = loadFleet({ files: Object.entries({ "hosts.yaml": HOSTS, ...files }).map(([p, content]) => ({ path: p, content })) }, { operator: r });
  return result.diagnostics.filter((d) => d.severity === "error").map((d) => formatDiagnostic(d));
}

describe("operator config: refused at load time", function () {
  after(() => rmSync(state, { recursive: true, force: true }));

  const cases: { name: string; files: Record<string, string>; rules?: OperatorRules; want: RegExp }[] = [
    {
      name: "fromFile: /etc/shadow",
      files: { "web.yaml": service("  secretEnv:", "    - name: X", "      fromFile: /etc/shadow") },
      want: /^web\.yaml:9:17: error: secret X: fromFile "\/etc\/shadow" is outside the operator's secrets folder .*secrets \(secrets\.dir in the operator config \/etc\/berth\/config\.yaml\); put the file there, or ask the operator \(at spec\.secretEnv\[0\]\.fromFile\)$/,
    },
    {
      name: "fromFile: ../../etc/shadow",
      files: { "web.yaml": service("  secretEnv:", "    - name: X", "      fromFile: ../../etc/shadow") },
      want: /^web\.yaml:9:17: error: secret X: fromFile "\.\.\/\.\.\/etc\/shadow" is outside the operator's secrets folder/,
    },
    {
      name: "a fromFile symlink that leads out of the secrets folder",
      files: { "web.yaml": service("  secretEnv:", "    - name: X", "      fromFile: sneaky") },
      want: /^web\.yaml:9:17: error: secret X: fromFile "sneaky" leads out of the operator's secrets folder .* through a symlink/,
    },
    {
      name: "fromEnv: BERTH_GIT_TOKEN",
      files: { "web.yaml": service("  secretEnv:", "    - name: X", "      fromEnv: BERTH_GIT_TOKEN") },
      want: /^web\.yaml:9:16: error: secret X: fromEnv BERTH_GIT_TOKEN is not a variable the operator lets repositories read \(allowed: BERTH_SECRET_\*; secrets\.env in the operator config \/etc\/berth\/config\.yaml\) \(at spec\.secretEnv\[0\]\.fromEnv\)$/,
    },
    {
      name: "fromEnv: HOME",
      files: { "web.yaml": service("  secretEnv:", "    - name: X", "      fromEnv: HOME") },
      want: /^web\.yaml:9:16: error: secret X: fromEnv HOME is not a variable the operator lets repositories read/,
    },
    {
      name: "an insecure: true Host at a non-loopback address",
      files: { "far.yaml": lines("apiVersion: berth/v1", "kind: Host", "metadata:", "  name: far", "spec:", "  endpoint: tcp://203.0.113.7:2375", "  insecure: true") },
      want: /^far\.yaml:7:3: error: plain TCP to 203\.0\.113\.7 is refused: whoever controls that engine would receive every secret and registry credential berth sends it\. Give `tls` files, or the operator can allow the address in engines\.plainTcp of the operator config \/etc\/berth\/config\.yaml \(allowed now: 127\.0\.0\.0\/8, ::1, localhost\) \(at spec\.insecure\)$/,
    },
    {
      name: "hostPath: /srv/data/../../ under allowedHostPaths [/srv/data]",
      files: {
        "policy.yaml": lines("apiVersion: berth/v1", "kind: Policy", "metadata:", "  name: p", "spec:", "  allowedHostPaths: [/srv/data]"),
        "web.yaml": service("  volumes:", "    - name: root", "      hostPath: /srv/data/../../", "      mountPath: /host"),
      },
      rules: rules({ ceiling: { privileged: false, hostNetwork: false, hostPaths: ["/srv"] } }),
      want: /^web\.yaml:9:17: error: bind mount of host folder "\/srv\/data\/\.\.\/\.\.\/" is refused: the Policy in policy\.yaml does not allow it \(allowedHostPaths\) \(at spec\.volumes\[0\]\.hostPath\)$/,
    },
    {
      name: "a Policy that allows more than the ceiling",
      files: { "policy.yaml": lines("apiVersion: berth/v1", "kind: Policy", "metadata:", "  name: p", "spec:", "  allowPrivileged: true", "  allowHostNetwork: true", "  allowedHostPaths: [/]") },
      want: /^policy\.yaml:6:20: error: the Policy allows privileged containers, which the operator's ceiling does not \(ceiling\.privileged in the operator config \/etc\/berth\/config\.yaml\); remove it, or ask the operator \(at spec\.allowPrivileged\)$/,
    },
    {
      name: "a template parameter that names a file outside the secrets folder",
      files: {
        "tpl.yaml": lines(
          "apiVersion: berth/v1",
          "kind: Template",
          "metadata:",
          "  name: leak",
          "spec:",
          "  pattern: sidecar",
          "  params:",
          "    file: { type: string }",
          "  containers:",
          "    - name: leak",
          "      image: 127.0.0.1:5000/berth/toolbox:v1",
          "      secretEnv:",
          "        - name: X",
          "          fromFile: ${{ params.file }}",
        ),
        "web.yaml": service("  uses:", "    - template: leak", "      with: { file: /etc/shadow }"),
      },
      want: /^web\.yaml:8:7: error: secret X \(container "leak" of template "leak"\): fromFile "\/etc\/shadow" is outside the operator's secrets folder/,
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}`, function () {
      const got = errors(c.files, c.rules);
      assert.ok(got.some((e) => c.want.test(e)), `expected ${c.want}, got:\n${got.join("\n")}`);
    });
  }

  it("the same Policy's every excess is named, at its own line", function () {
    const got = errors({ "policy.yaml": lines("apiVersion: berth/v1", "kind: Policy", "metadata:", "  name: p", "spec:", "  allowPrivileged: true", "  allowHostNetwork: true", "  allowedHostPaths: [/]") });
    assert.deepEqual(
      got.map((e) => e.split(": error: ")[0]),
      ["policy.yaml:6:20", "policy.yaml:7:21", "policy.yaml:8:22"],
    );
  });

  it("accepts what the operator allows: a file in the secrets folder, a BERTH_SECRET_ variable, loopback plain TCP, a Policy within the ceiling", function () {
    const got = errors(
      {
        "web.yaml": service("  secretEnv:", "    - name: DB", "      fromFile: db-password", "    - name: TOKEN", "      fromEnv: BERTH_SECRET_TOKEN", "    - name: ABS", `      fromFile: ${path.join(secretsDir, "db-password")}`),
        "policy.yaml": lines("apiVersion: berth/v1", "kind: Policy", "metadata:", "  name: p", "spec:", "  allowedHostPaths: [/srv/data]"),
      },
      rules({ ceiling: { privileged: false, hostNetwork: false, hostPaths: ["/srv"] } }),
    );
    assert.deepEqual(got, []);
  });
});

describe("operator config file", function () {
  it("reports a mistake in the config file at its line", function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), "berth-config-"));
    const file = path.join(dir, "config.yaml");
    writeFileSync(file, lines("apiVersion: berth/v1", "kind: OperatorConfig", "secrets:", "  env: [BERTH_SECRET_*, 'bad name']"));
    const r = loadOperatorConfig(file, dir);
    assert.ok("diagnostics" in r);
    assert.match(formatDiagnostic(r.diagnostics[0]!), new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:4:`));
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads every field, and the defaults are the safe ones", function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), "berth-config-"));
    const file = path.join(dir, "config.yaml");
    writeFileSync(file, lines("apiVersion: berth/v1", "kind: OperatorConfig", "secrets: { dir: /etc/berth/secrets, env: [DB_PASSWORD] }", "ceiling: { privileged: true, hostPaths: [/srv/] }", "engines: { plainTcp: [10.0.0.0/8] }", "timings: { hostLostAfter: 2m }"));
    const r = loadOperatorConfig(file, dir);
    assert.ok("config" in r);
    assert.deepEqual(r.config.secrets, { dir: "/etc/berth/secrets", env: ["DB_PASSWORD"] });
    assert.deepEqual(r.config.ceiling, { privileged: true, hostNetwork: false, hostPaths: ["/srv/"] });
    assert.deepEqual(r.config.plainTcp, ["10.0.0.0/8"]);
    assert.equal(r.config.hostLostAfterMs, 120_000);
    const d = loadOperatorConfig(undefined, dir);
    assert.ok("config" in d);
    assert.deepEqual(d.config.secrets, { dir: path.join(dir, "secrets"), env: ["BERTH_SECRET_*"] });
    assert.deepEqual(d.config.plainTcp, ["127.0.0.0/8", "::1", "localhost"]);
    rmSync(dir, { recursive: true, force: true });
  });
});
