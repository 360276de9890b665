/**
 * Health and exit code read from the list call's `Status` text, which is
 * what keeps observing a host to one call (issue 6 §1).
 */
import assert from "node:assert/strict";
import { exitCodeFromStatus, healthFromStatus } from "../../../reconciler/docker/status-text.ts";
import type { Health } from "../../../reconciler/docker/types.ts";

describe("hosts: Status text", () => {
  const cases: { status: string; health: Health; exitCode?: number }[] = [
    { status: "Up 5 seconds (healthy)", health: "healthy" },
    { status: "Up 2 seconds (health: starting)", health: "starting" },
    { status: "Up 3 minutes (unhealthy)", health: "unhealthy" },
    { status: "Up About a minute", health: "none" },
    { status: "Up 2 hours (Paused)", health: "none" },
    { status: "Restarting (1) 4 seconds ago", health: "none" },
    { status: "Created", health: "none" },
    { status: "Removal In Progress", health: "none" },
    { status: "Dead", health: "none" },
    { status: "", health: "none" },
    { status: "Exited (0) 3 seconds ago", health: "none", exitCode: 0 },
    { status: "Exited (1) 3 seconds ago", health: "none", exitCode: 1 },
    { status: "Exited (137) About an hour ago", health: "none", exitCode: 137 },
    { status: "Exited (-1) 2 days ago", health: "none", exitCode: -1 },
  ];
  for (const c of cases) {
    it(`"${c.status}" → health ${c.health}, exit code ${c.exitCode ?? "none"}`, () => {
      assert.equal(healthFromStatus(c.status), c.health);
      assert.equal(exitCodeFromStatus(c.status), c.exitCode);
    });
  }
});
