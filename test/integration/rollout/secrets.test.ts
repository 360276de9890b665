/**
 * Secrets end to end: a value given by reference (environment variable or
 * file on the reconciler's machine) reaches the container's environment and
 * nothing else — not the plan in any format, not the rollout events or
 * result, not a label, not an error.
 */
import { TEST_SECRETS_DIR } from "../../support/operator.ts";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { renderPlan } from "../../../reconciler/cli/render-plan.ts";
import { engineClient } from "../../../testbed/engines.ts";
import type { BedLayout } from "../../../testbed/layout.ts";
import { removeOwnerContainers, useBed } from "../../support/bed.ts";
import { FleetDir } from "../../support/fleet-dir.ts";
import { applyDir } from "../../support/reconcile.ts";

describe("secrets on the bed: in the container, nowhere else", function () {
  this.timeout(120_000);
  const owner = `test-secrets-${process.pid}-${Date.now()}`;
  const fromEnv = `env-secret-${randomBytes(12).toString("hex")}`;
  const fromFile = `file-secret-${randomBytes(12).toString("hex")}`;
  let bed: BedLayout;
  let fleet: FleetDir;
  let dir: string;
  let secretFile: string;

  const service = (file: string) => ({
    name: "vault",
    replicas: 2,
    extra: [
      "  secretEnv:",
      "    - name: API_TOKEN",
      "      fromEnv: BERTH_SECRET_TEST_API_TOKEN",
      "    - name: DB_PASSWORD",
      `      fromFile: ${file}`,
    ].join("\n"),
  });

  before(async function () {
    bed = await useBed(this);
    fleet = new FleetDir(bed);
    dir = mkdtempSync(path.join(TEST_SECRETS_DIR, "berth-secrets-"));
    secretFile = path.join(dir, "db-password");
    writeFileSync(secretFile, `${fromFile}\n`);
    process.env["BERTH_SECRET_TEST_API_TOKEN"] = fromEnv;
  });

  after(async function () {
    delete process.env["BERTH_SECRET_TEST_API_TOKEN"];
    if (bed) await removeOwnerContainers(bed, owner);
    fleet?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const leaks = (text: string) => [fromEnv, fromFile].filter((v) => text.includes(v));

  it("reaches the containers' environment, and no plan format, event, result or label", async function () {
    const { plan, result, events } = await applyDir(fleet.write([service(secretFile)]), owner);
    assert.ok(result.ok, JSON.stringify(result));
    for (const format of ["text", "markdown", "json"]) assert.deepEqual(leaks(renderPlan(plan, format)), [], `plan as ${format}`);
    assert.deepEqual(leaks(JSON.stringify({ plan, result, events })), []);

    const mains = (await Promise.all(bed.hosts.map((h) => engineClient(h).listContainers({ filters: { label: [`berth.owner=${owner}`, "berth.container=main"] } }).then((list) => list.map((c) => ({ h, c })))))).flat();
    assert.equal(mains.length, 2);
    for (const { h, c } of mains) {
      const info = await engineClient(h).getContainer(c.Id).inspect();
      assert.ok(info.Config.Env.includes(`API_TOKEN=${fromEnv}`), "the environment variable's value is in the container");
      assert.ok(info.Config.Env.includes(`DB_PASSWORD=${fromFile}`), "the file's content (without its newline) is in the container");
      assert.deepEqual(leaks(JSON.stringify(info.Config.Labels)), [], "labels hold references only");
    }
  });

  it("a secret that cannot be read fails the rollout naming the reference, and the running pods stay", async function () {
    const before = (await Promise.all(bed.hosts.map((h) => engineClient(h).listContainers({ filters: { label: [`berth.owner=${owner}`, "berth.container=main"] } })))).flat().map((c) => c.Id).sort();
    const missing = path.join(dir, "no-such-file");
    const { result, events } = await applyDir(fleet.write([service(missing)]), owner);
    assert.equal(result.ok, false);
    const reason = result.services[0]!.reason ?? "";
    assert.match(reason, /secret DB_PASSWORD of vault\/main is not available: file .*no-such-file cannot be read \(ENOENT\)/);
    assert.deepEqual(leaks(JSON.stringify({ result, events })), []);
    const after = (await Promise.all(bed.hosts.map((h) => engineClient(h).listContainers({ filters: { label: [`berth.owner=${owner}`, "berth.container=main"] } })))).flat().map((c) => c.Id).sort();
    assert.deepEqual(after, before, "the pods that ran before still run, untouched");
  });
});
