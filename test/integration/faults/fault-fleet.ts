/**
 * What the fault-matrix tests (issue 11) share: the `web` service they roll
 * out, the check that a commit converged, a snapshot of the containers to
 * prove nothing changed, a watch on `/status` through the fault, the
 * one-line figures they print, the hooks around each test (the bed put back
 * whatever happened) and the converged v1 each starts from.
 */
import type { DaemonStatus } from "../../../reconciler/loop/status.ts";
import { startEngine } from "../../../testbed/engines.ts";
import type { BedLayout } from "../../../testbed/layout.ts";
import { startRegistry } from "../../../testbed/registry.ts";
import { useBed } from "../../support/bed.ts";
import { hostsYaml, serviceYaml } from "../../support/fleet-dir.ts";
import { DaemonHarness, type HostedContainer } from "../../support/daemon-harness.ts";

export const appImage = (tag: string) => `127.0.0.1:5000/berth/app:${tag}`;

/**
 * `web`: 3 replicas (one per host), berth's HTTP probe, a short crash window
 * so a test stays short. `minReady` slows each replacement down where a
 * test must act in the middle of a rollout.
 */
export function webYaml(image: string, opts: { minReady?: string; monitor?: string } = {}): string {
  const rollout = ["  rollout:", "    progressDeadline: 15s", `    minReady: ${opts.minReady ?? "0s"}`, `    monitor: ${opts.monitor ?? "1s"}`];
  const health = ["  health:", "    http:", "      path: /healthz", "      port: http"];
  return serviceYaml({ name: "web", image, replicas: 3, extra: [...health, ...rollout].join("\n") });
}

/** Waits until `sha` is the applied commit and web is 3/3 ready and healthy. */
export function convergedTo(d: DaemonHarness, sha: string, timeoutMs: number): Promise<DaemonStatus> {
  return d.converged(sha, { service: "web", replicas: 3, timeoutMs });
}

/** One container as far as "was anything created, stopped or removed" goes. */
export interface ContainerFact {
  readonly host: string;
  readonly id: string;
  readonly state: string;
  readonly image: string;
  readonly commit: string;
  readonly slot: string;
}

export function facts(list: readonly HostedContainer[]): ContainerFact[] {
  return list
    .map((c) => ({ host: c.host.name, id: c.Id, state: c.State, image: c.Image, commit: c.Labels["berth.commit"] ?? "", slot: c.Labels["berth.slot"] ?? "" }))
    .sort((a, b) => a.host.localeCompare(b.host) || a.id.localeCompare(b.id));
}

/**
 * Samples `/status` every 250 ms while a fault lasts: whether `sha` was ever
 * held, the results of the passes seen, and each host's states. A held
 * commit that is released again before the end would slip past a check
 * made only at the end.
 */
export class StatusWatch {
  everHeld: string | undefined;
  readonly passResults: string[] = [];
  readonly hostStates = new Map<string, Set<string>>();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly d: DaemonHarness,
    private readonly sha: string,
  ) {
    this.loop = (async () => {
      while (this.running) {
        await this.sample().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
  }

  private async sample(): Promise<void> {
    const s = await this.d.status();
    const held = s.held.find((h) => h.commit === this.sha);
    if (held && this.everHeld === undefined) this.everHeld = held.reason;
    const r = s.lastPass?.result;
    if (r && s.source.commitSeen === this.sha && this.passResults.at(-1) !== r) this.passResults.push(r);
    for (const h of s.hosts) {
      const seen = this.hostStates.get(h.name) ?? new Set<string>();
      seen.add(`${h.state}${h.reachable ? "" : "(unreachable)"}`);
      this.hostStates.set(h.name, seen);
    }
  }

  async stop(): Promise<this> {
    this.running = false;
    await this.loop;
    return this;
  }
}

/** Prints one test's figures on one line, for the closing note. */
export function report(row: string, figures: Readonly<Record<string, string | number | boolean | undefined>>): void {
  const parts = Object.entries(figures).map(([k, v]) => `${k}=${v === undefined ? "-" : /\s/.test(String(v)) ? JSON.stringify(String(v)) : String(v)}`);
  console.log(`[fault-matrix] ${row} ${parts.join(" ")}`);
}

/** Starts the registry and every engine that is not running (each returns at once when it is): other tests need them. */
export async function restoreBed(bed: BedLayout): Promise<void> {
  const results = await Promise.allSettled([startRegistry(bed.registry), ...bed.hosts.map((h) => startEngine(h))]);
  const failed = results.flatMap((r) => (r.status === "rejected" ? [String(r.reason)] : []));
  if (failed.length > 0) throw new Error(`could not restore the bed after a fault test: ${failed.join("; ")}`);
}

/**
 * The mocha hooks every fault test needs: the bed and a daemon harness
 * before; the daemon's last log lines when a test failed; the bed put back
 * (every engine and the registry, whatever failed) and the harness cleaned
 * up after. `setup` and `teardown` run the test's own steps inside them.
 */
export function faultDaemon(name: string, hooks: { setup?: (bed: BedLayout) => Promise<void>; teardown?: (bed: BedLayout) => Promise<void>; args?: readonly string[] } = {}): { bed(): BedLayout; daemon(): DaemonHarness } {
  let bed: BedLayout | undefined;
  let d: DaemonHarness | undefined;
  before(async function () {
    bed = await useBed(this);
    await hooks.setup?.(bed);
    d = new DaemonHarness(bed, { name, ...(hooks.args ? { args: hooks.args } : {}) });
    d.init();
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed" && d) console.log(`      daemon log (last lines):\n${d.logTail()}`);
  });
  after(async function () {
    if (!bed) return;
    // Every engine and the registry back first: other tests need them.
    await restoreBed(bed);
    await d?.cleanup();
    await hooks.teardown?.(bed);
  });
  return { bed: () => bed!, daemon: () => d! };
}

/** Pushes `web` on `yaml` with the bed's hosts, starts the daemon, waits until it converged, and returns the commit and the containers then. */
export async function startConverged(d: DaemonHarness, bed: BedLayout, yaml: string): Promise<{ sha: string; before: ContainerFact[] }> {
  const sha = d.push({ "hosts.yaml": hostsYaml(bed), "web.yaml": yaml }, "web v1");
  await d.start();
  await convergedTo(d, sha, 60_000);
  return { sha, before: facts(await d.mains("web")) };
}
