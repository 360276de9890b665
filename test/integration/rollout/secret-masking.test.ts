/**
 * Secret masking on the bed: what berth reads back from a real container
 * (its last lines of output) and from a real engine (runc's refusal, which
 * quotes the environment) reaches the apply result and the rollout events
 * with the resolved secret values masked. Every value is random, and no
 * assertion prints one: leaks are reported by what leaked, never by the value.
 */
import { TEST_SECRETS_DIR } from "../../support/operator.ts";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { BedLayout } from "../../../testbed/layout.ts";
import type { ApplyResult, RolloutEvent } from "../../../reconciler/rollout/events.ts";
import { removeOwnerContainers, useBed } from "../../support/bed.ts";
import { FleetDir, type TestService } from "../../support/fleet-dir.ts";
import { applyDir } from "../../support/reconcile.ts";

const TOOLBOX = "127.0.0.1:5000/berth/toolbox:v1";
const random = (prefix: string) => `${prefix}-${randomBytes(12).toString("hex")}`;

/** The labels of the values found in `text`: what an assertion may print. */
function leaked(text: string, values: Record<string, string>): string[] {
  return Object.entries(values)
    .filter(([, v]) => text.includes(v))
    .map(([label]) => label);
}

/** A one-replica service of the toolbox running `script`, with the given secretEnv lines; never healthy by TCP, so only its exit ends the gate. */
function leaky(script: string, secretEnv: string[]): TestService {
  return {
    name: "leaky",
    image: TOOLBOX,
    replicas: 1,
    extra: [
      "  command: [sh, -c]",
      `  args: [${JSON.stringify(script)}]`,
      "  secretEnv:",
      ...secretEnv,
      // A check that never passes: the pod can only end by exiting, so the gate always reads its output
      // (a TCP probe can be answered by the engine's port proxy before the container has exited).
      "  health:",
      "    exec:",
      "      command: [\"false\"]",
      "  rollout:",
      "    progressDeadline: 30s",
    ].join("\n"),
  };
}

describe("secret masking on the bed: a container that prints its secrets", function () {
  this.timeout(120_000);
  const owner = `test-masking-${process.pid}-${Date.now()}`;
  // Named as the default operator config lets repositories read (BERTH_SECRET_*).
  const TOKEN_VAR = `BERTH_SECRET_MASKING_TOKEN_${process.pid}`;
  const KEY_VAR = `BERTH_SECRET_MASKING_KEY_${process.pid}`;
  let bed: BedLayout;
  let fleet: FleetDir;
  let dir: string;

  before(async function () {
    bed = await useBed(this);
    fleet = new FleetDir(bed);
    dir = mkdtempSync(path.join(TEST_SECRETS_DIR, "berth-masking-"));
  });

  after(async function () {
    delete process.env[TOKEN_VAR];
    delete process.env[KEY_VAR];
    if (bed) await removeOwnerContainers(bed, owner);
    fleet?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Every text the apply reports, by name: the reason, each event's message, the JSON of it all. */
  const reported = (result: ApplyResult, events: RolloutEvent[]): [string, string][] => [
    ["the reason", result.services[0]?.reason ?? ""],
    ...events.map((e, i): [string, string] => [`event #${i} (${e.phase})`, e.message]),
    ["the result as JSON", JSON.stringify(result)],
    ["the events as JSON", JSON.stringify(events)],
  ];

  // Guards the bug where a crashed container's last output carried the resolved secret into the failure reason (and from there into events, /status, logs and the journal).
  it("a crashed container's last lines reach the reason and the events with every value masked", async function () {
    const token = random("tok");
    // A key of four lines: the gate shows the last three of the last five, so the tail cuts it and only its last line is shown.
    const key = [random("k1"), random("k2"), random("k3"), random("k4")];
    process.env[TOKEN_VAR] = token;
    process.env[KEY_VAR] = key.join("\n");
    const values = { "the token": token, ...Object.fromEntries(key.map((line, i) => [`line ${i + 1} of the key`, line])) };
    const script = 'printf "%s\\n" "$SIGNING_KEY"; echo "API_TOKEN=$API_TOKEN"; echo "connecting with $API_TOKEN"; exit 1';
    const { result, events } = await applyDir(fleet.write([leaky(script, [`    - name: API_TOKEN`, `      fromEnv: ${TOKEN_VAR}`, `    - name: SIGNING_KEY`, `      fromEnv: ${KEY_VAR}`])]), owner);

    for (const [what, text] of reported(result, events)) assert.deepEqual(leaked(text, values), [], what);
    assert.equal(result.ok, false);
    const reason = result.services[0]?.reason ?? "";
    // The output was read and shown, masked: the assertions above are about text that held the values.
    assert.match(reason, /container main exited with code 1; last output: \*\*\* \| API_TOKEN=\*\*\* \| connecting with \*\*\*$/);
    const failed = events.filter((e) => e.phase === "failed");
    assert.ok(failed.length > 0 && failed.every((e) => e.message.includes("***")), "the failed events show the masked output");
    assert.ok(JSON.stringify(result).includes("***"));
  });

  // Guards the bug where the engine's refusal of a container, quoting its environment (runc does for a NUL in a value), put the secret in the launch error and so in the reason.
  it("runc's refusal of a value with a NUL, which quotes the variable, reaches the reason masked", async function () {
    const before = random("nul-a");
    const after = random("nul-b");
    const file = path.join(dir, "with-nul");
    writeFileSync(file, `${before}\u0000${after}`);
    const values = { "the part before the NUL": before, "the part after the NUL": after };
    const { result, events } = await applyDir(fleet.write([leaky("exit 0", [`    - name: DB_PASSWORD`, `      fromFile: ${file}`])]), owner);

    for (const [what, text] of reported(result, events)) assert.deepEqual(leaked(text, values), [], what);
    assert.equal(result.ok, false);
    assert.match(result.services[0]?.reason ?? "", /^starting container "main" of pod \w+ on host "h\d" failed: .*DB_PASSWORD=\*\*\*/);
  });
});
