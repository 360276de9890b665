/**
 * What the autoscaling tests share: the operator config that lists the bed's
 * Prometheus and decides every 2 s, written to a file the daemon reads as
 * BERTH_CONFIG; and reading a service's count the way an operator would, as
 * the running main containers on the engines.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROMETHEUS_URL } from "../../../testbed/layout.ts";
import type { DaemonHarness } from "../../support/daemon-harness.ts";

/** How often the daemon decides in these tests. */
export const AUTOSCALE_INTERVAL = "2s";

/** Writes the operator config (the bed's Prometheus, and `moreUrls`, listed) to a temporary folder of its own; returns its path and the folder. */
export function writeOperatorConfig(name: string, moreUrls: readonly string[] = []): { file: string; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `berth-${name}-config-`));
  const file = path.join(dir, "operator.yaml");
  writeFileSync(
    file,
    ["apiVersion: berth/v1", "kind: OperatorConfig", "autoscale:", `  prometheusUrls: [${[PROMETHEUS_URL, ...moreUrls].map((u) => JSON.stringify(u)).join(", ")}]`, `  interval: ${AUTOSCALE_INTERVAL}`, ""].join("\n"),
  );
  return { file, dir };
}

/** The running main containers of `service` on the bed's engines. */
export async function running(d: DaemonHarness, service: string): Promise<number> {
  return (await d.mains(service)).filter((c) => c.State === "running").length;
}

/** `berth history`'s lines that mention `scaled`. */
export function scaledLines(d: DaemonHarness): string[] {
  return d
    .history()
    .split("\n")
    .filter((l) => /\bscaled\b/.test(l));
}
