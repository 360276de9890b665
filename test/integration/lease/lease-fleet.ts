/**
 * What the leader-election tests (issue 14) share: the `web` service they
 * roll out (3 replicas, maxSurge 1, maxUnavailable 0, berth's HTTP probe),
 * the bed's etcd as `--lock`, a short TTL so failovers stay short, and the
 * reads they make of two instances: who leads, and which one applied a
 * commit (its `"applying"` log lines).
 */
import type { BedLayout } from "../../../testbed/layout.ts";
import { serviceYaml } from "../../support/fleet-dir.ts";
import { until, type DaemonProcess, type HostedContainer } from "../../support/daemon-harness.ts";

/** The TTL the tests run with (the default 10 s is for the bench). */
export const TTL_S = 3;
export const TTL = `${TTL_S}s`;

/** The bed's etcd as `berth run --lock` takes it. */
export function bedLock(bed: BedLayout): string {
  return `etcd://127.0.0.1:${bed.etcd.clientPort}`;
}

/** `berth run` flags for an instance on `lock` with the tests' TTL. */
export function lockArgs(lock: string, ttl = TTL): string[] {
  return ["--lock", lock, "--lock-ttl", ttl];
}

export const appImage = (tag: string) => `127.0.0.1:5000/berth/app:${tag}`;

/**
 * `web` on `app:<tag>`: 3 replicas, at most one above them and none below
 * during a rollout. `minReady` keeps each new pod counted as not ready for
 * that long, so a test can act in the middle of a rollout.
 */
export function webYaml(tag: string, opts: { minReady?: string } = {}): string {
  const health = ["  health:", "    http:", "      path: /healthz", "      port: http"];
  const rollout = ["  rollout:", "    maxSurge: 1", "    maxUnavailable: 0", "    progressDeadline: 20s", `    minReady: ${opts.minReady ?? "0s"}`, "    monitor: 1s"];
  return serviceYaml({ name: "web", image: appImage(tag), replicas: 3, extra: [...health, ...rollout].join("\n") });
}

/** The lines of `log` that say this instance applied `sha` (every apply logs one). */
export function applyingLines(log: string, sha: string): string[] {
  return log.split("\n").filter((l) => l.includes('"msg":"applying"') && l.includes(`"commit":"${sha}"`));
}

/** The running main containers of a service. */
export const running = (list: readonly HostedContainer[]) => list.filter((c) => c.State === "running");

/** Waits until exactly one of `instances` reports leader:true and every other names it as the holder; returns [leader, followers]. */
export function oneLeader(instances: readonly DaemonProcess[], timeoutMs: number): Promise<{ leader: DaemonProcess; followers: DaemonProcess[] }> {
  return until(
    "exactly one instance leading, the others naming it",
    async () => {
      const states = await Promise.all(instances.map(async (d) => ({ d, s: await d.status() })));
      const leaders = states.filter((x) => x.s.leader);
      if (leaders.length !== 1) return undefined;
      const name = leaders[0]!.s.leadership?.instance;
      const followers = states.filter((x) => !x.s.leader);
      return followers.every((f) => f.s.leadership?.holder === name) ? { leader: leaders[0]!.d, followers: followers.map((f) => f.d) } : undefined;
    },
    timeoutMs,
  );
}

/** The last `n` lines of each instance's log, for a failing test's output. */
export function logTails(instances: Readonly<Record<string, DaemonProcess | undefined>>, n = 30): string {
  return Object.entries(instances)
    .map(([name, d]) => `--- ${name}:\n${(d?.log ?? "").trimEnd().split("\n").slice(-n).join("\n")}`)
    .join("\n");
}
