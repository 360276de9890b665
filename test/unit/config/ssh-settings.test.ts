/**
 * The operator config's `ssh` section: the keys and known_hosts berth uses
 * for `ssh://` engines. Relative paths are read from the config file's
 * folder; a misspelt key is refused at its line, since a silently ignored
 * `knownHost:` would leave berth checking another file than the operator
 * meant; and without the section nothing is set (endpoint.ts then uses
 * SSH_AUTH_SOCK, ~/.ssh and ~/.ssh/known_hosts).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadOperatorConfig } from "../../../reconciler/config/load-config.ts";
import { formatDiagnostic } from "../../../reconciler/load/diagnostic.ts";

function load(...body: string[]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "berth-ssh-config-"));
  const file = path.join(dir, "config.yaml");
  writeFileSync(file, ["apiVersion: berth/v1", "kind: OperatorConfig", ...body, ""].join("\n"));
  try {
    return { dir, file, result: loadOperatorConfig(file, dir) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("operator config: ssh", function () {
  it("reads the three settings, relative paths from the config file's folder", function () {
    const { dir, result } = load("ssh:", "  identityFile: keys/id_ed25519", "  agent: /run/user/1000/ssh-agent.sock", "  knownHosts: /etc/berth/known_hosts");
    assert.ok("config" in result, JSON.stringify(result));
    assert.deepEqual(result.config.ssh, { identityFile: path.join(dir, "keys/id_ed25519"), agent: "/run/user/1000/ssh-agent.sock", knownHosts: "/etc/berth/known_hosts" });
  });

  it("sets nothing without the section", function () {
    const { result } = load();
    assert.ok("config" in result);
    assert.equal(result.config.ssh, undefined);
  });

  it("refuses an unknown key at its line", function () {
    const { file, result } = load("ssh:", "  identityFile: /k", "  knownHost: /etc/berth/known_hosts");
    assert.ok("diagnostics" in result);
    const text = result.diagnostics.map((d) => formatDiagnostic(d));
    assert.equal(text.length, 1, text.join("\n"));
    assert.ok(text[0]!.startsWith(`${file}:5:`), text[0]);
    assert.match(text[0]!, /knownHost/);
  });

  it("refuses an empty path", function () {
    const { file, result } = load("ssh:", "  identityFile: ''");
    assert.ok("diagnostics" in result);
    assert.ok(formatDiagnostic(result.diagnostics[0]!).startsWith(`${file}:4:`));
  });
});
