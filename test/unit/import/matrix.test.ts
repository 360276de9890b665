/**
 * docs/compose.md's support matrix and the importer's key table
 * (reconciler/import/compose-keys.ts) say the same thing, row by row, and
 * the table has every key of the Compose specification
 * (compose-spec/compose-spec schema/compose-spec.json), so neither can
 * drift from the other or from the specification.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { DEPLOY_KEYS, SERVICE_KEYS, TOP_LEVEL_KEYS, type ComposeKey } from "../../../reconciler/import/compose-keys.ts";

const DOC = readFileSync(path.resolve(import.meta.dirname, "..", "..", "..", "docs", "compose.md"), "utf8");

/** The specification's keys, as its JSON schema lists them. */
const SPEC = {
  top: ["version", "name", "include", "services", "models", "networks", "volumes", "secrets", "configs"],
  service: [
    "develop", "deploy", "annotations", "attach", "build", "blkio_config", "cap_add", "cap_drop", "cgroup", "cgroup_parent", "command", "configs",
    "container_name", "cpu_count", "cpu_percent", "cpu_shares", "cpu_quota", "cpu_period", "cpu_rt_period", "cpu_rt_runtime", "cpus", "cpuset",
    "credential_spec", "depends_on", "device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "domainname", "entrypoint", "env_file",
    "label_file", "environment", "expose", "extends", "provider", "external_links", "extra_hosts", "gpus", "group_add", "healthcheck", "hostname",
    "image", "init", "ipc", "isolation", "labels", "links", "logging", "mac_address", "mem_limit", "mem_reservation", "mem_swappiness",
    "memswap_limit", "network_mode", "models", "networks", "oom_kill_disable", "oom_score_adj", "pid", "pids_limit", "platform", "ports",
    "post_start", "pre_stop", "privileged", "profiles", "pull_policy", "pull_refresh_after", "read_only", "restart", "runtime", "scale",
    "security_opt", "shm_size", "secrets", "sysctls", "stdin_open", "stop_grace_period", "stop_signal", "storage_opt", "tmpfs", "tty", "ulimits",
    "use_api_socket", "user", "uts", "userns_mode", "volumes", "volumes_from", "working_dir",
  ],
  deploy: ["mode", "endpoint_mode", "replicas", "labels", "rollback_config", "update_config", "resources", "restart_policy", "placement"],
};

/** The rows of the table under `heading` in docs/compose.md. */
function matrix(heading: string): { key: string; support: string; note: string }[] {
  const start = DOC.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `docs/compose.md has a "${heading}" section`);
  const section = DOC.slice(start + heading.length + 2).split("\n### ")[0] ?? "";
  return section
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .map((l) => {
      const cells = l.slice(2, -2).split(/ (?<!\\)\| /);
      return { key: (cells[0] ?? "").replace(/`/g, ""), support: cells[1] ?? "", note: (cells[2] ?? "").replace(/\\\|/g, "|") };
    });
}

const tables: { name: string; heading: string; keys: readonly ComposeKey[]; spec: readonly string[]; prefix: string }[] = [
  { name: "top-level", heading: "### Top-level keys", keys: TOP_LEVEL_KEYS, spec: SPEC.top, prefix: "" },
  { name: "service", heading: "### Service keys", keys: SERVICE_KEYS, spec: SPEC.service, prefix: "" },
  { name: "deploy", heading: "### `deploy` keys", keys: DEPLOY_KEYS, spec: SPEC.deploy, prefix: "deploy." },
];

describe("docs/compose.md support matrix", () => {
  for (const t of tables) {
    it(`the ${t.name} table has every key of the Compose specification, once`, () => {
      const keys = t.keys.map((k) => k.key);
      assert.deepEqual([...keys].sort(), [...t.spec].sort());
      assert.equal(new Set(keys).size, keys.length);
    });

    it(`the ${t.name} matrix in docs/compose.md says what the importer's key table says`, () => {
      const expected = t.keys.map((k) => ({ key: `${t.prefix}${k.key}`, support: k.support, note: k.note }));
      assert.deepEqual(matrix(t.heading), expected);
    });
  }

  it("marks every key supported, partial or not supported, with a line on each", () => {
    for (const k of [...TOP_LEVEL_KEYS, ...SERVICE_KEYS, ...DEPLOY_KEYS]) {
      assert.ok(["supported", "partial", "not supported"].includes(k.support), k.key);
      assert.ok(k.note.length > 10 && !k.note.includes("\n"), `${k.key} has a one-line note`);
    }
  });
});
