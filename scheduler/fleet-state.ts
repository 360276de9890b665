/**
 * The fleet as the placement loop sees it: free capacity, state and ports of
 * every host in typed arrays indexed by host number. The 200,000-pod
 * benchmark (`npm run bench:scheduler`) checks about 3.6 million candidate
 * hosts per run from empty; a check here is a few array reads, where a lookup in
 * per-host objects or Maps cost several times more. CPU is kept in
 * millicores (integers) so repeated subtraction never drifts.
 */
import type { HostState, Resources, SchedHost } from "./types.ts";

export const STATE_READY = 0;
export const STATE_DRAINED = 1;
export const STATE_DOWN = 2;

const STATE_CODE: Record<HostState, number> = { ready: STATE_READY, drained: STATE_DRAINED, down: STATE_DOWN };

/** Cores as integer millicores, so sums of fractional cores never drift. */
export function toMillicores(cpu: number): number {
  return Math.round(cpu * 1000);
}

export class FleetState {
  readonly hosts: readonly SchedHost[];
  /** Host names by number, read once per placement. */
  readonly names: readonly string[];
  /**
   * Per host, side by side at `h * 4`: free cpu, free memory, cpu capacity,
   * memory capacity. A candidate's filters and score read all four, and
   * candidates come in random order: one record is one or two cache lines
   * where four arrays were four or more.
   */
  private readonly room: Float64Array;
  readonly state: Uint8Array;
  /** Host ports taken, only for hosts that have any. */
  readonly ports: (Set<number> | undefined)[];
  /**
   * The group (its `Pod.id`) that last took a replica on each host. While a
   * group is placed, `takenBy[h] === pod.id` says it already runs there:
   * one array for the whole fleet instead of a set of hosts per group.
   */
  readonly takenBy: Int32Array;
  private byName: Map<string, number> | undefined;

  constructor(hosts: readonly SchedHost[]) {
    this.hosts = hosts;
    const n = hosts.length;
    this.names = hosts.map((h) => h.name);
    const room = (this.room = new Float64Array(n * 4));
    this.state = new Uint8Array(n);
    this.takenBy = new Int32Array(n);
    this.ports = new Array(n);
    for (let i = 0; i < n; i++) {
      const h = hosts[i]!;
      const capCpu = toMillicores(h.capacity.cpu);
      room[i * 4] = capCpu - toMillicores(h.reserved?.cpu ?? 0);
      room[i * 4 + 1] = h.capacity.memory - (h.reserved?.memory ?? 0);
      room[i * 4 + 2] = capCpu;
      room[i * 4 + 3] = h.capacity.memory;
      this.state[i] = STATE_CODE[h.state];
      if (h.portsInUse?.length) this.ports[i] = new Set(h.portsInUse);
    }
  }

  /** Free millicores of host `h`. */
  freeCpu(h: number): number {
    return this.room[h * 4]!;
  }

  /** Free bytes of memory of host `h`. */
  freeMem(h: number): number {
    return this.room[h * 4 + 1]!;
  }

  capCpu(h: number): number {
    return this.room[h * 4 + 2]!;
  }

  capMem(h: number): number {
    return this.room[h * 4 + 3]!;
  }

  /** The host number of `name`, or undefined when the fleet has no such host. */
  indexOf(name: string): number | undefined {
    if (!this.byName) {
      // Built on first use: a run from empty never needs it.
      this.byName = new Map();
      for (let i = 0; i < this.hosts.length; i++) this.byName.set(this.hosts[i]!.name, i);
    }
    return this.byName.get(name);
  }

  /** Books a pod of group `id` on host `h`: its cpu, memory and host ports. */
  take(h: number, id: number, cpuMilli: number, memory: number, ports: readonly number[]): void {
    this.room[h * 4]! -= cpuMilli;
    this.room[h * 4 + 1]! -= memory;
    this.takenBy[h] = id;
    if (ports.length > 0) {
      const used = (this.ports[h] ??= new Set());
      for (const p of ports) used.add(p);
    }
  }
}

/** A pod's needs in the units the fleet state counts in (millicores, bytes). */
export function resourcesOf(r: Resources): { cpuMilli: number; memory: number } {
  return { cpuMilli: toMillicores(r.cpu), memory: r.memory };
}
