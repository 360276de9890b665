/**
 * Free capacity of every host, in typed arrays indexed by host number, so
 * the placement loop checks a host in a few array reads. CPU is kept in
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
  readonly index = new Map<string, number>();
  readonly capCpu: Float64Array;
  readonly capMem: Float64Array;
  readonly freeCpu: Float64Array;
  readonly freeMem: Float64Array;
  readonly state: Uint8Array;
  /** Host ports taken, only for hosts that have any. */
  readonly ports: (Set<number> | undefined)[];

  constructor(hosts: readonly SchedHost[]) {
    this.hosts = hosts;
    const n = hosts.length;
    this.capCpu = new Float64Array(n);
    this.capMem = new Float64Array(n);
    this.freeCpu = new Float64Array(n);
    this.freeMem = new Float64Array(n);
    this.state = new Uint8Array(n);
    this.ports = new Array(n);
    hosts.forEach((h, i) => {
      this.index.set(h.name, i);
      this.capCpu[i] = toMillicores(h.capacity.cpu);
      this.capMem[i] = h.capacity.memory;
      this.freeCpu[i] = this.capCpu[i]! - toMillicores(h.reserved?.cpu ?? 0);
      this.freeMem[i] = this.capMem[i]! - (h.reserved?.memory ?? 0);
      this.state[i] = STATE_CODE[h.state];
      if (h.portsInUse?.length) this.ports[i] = new Set(h.portsInUse);
    });
  }

  portsFree(h: number, ports: readonly number[]): boolean {
    const used = this.ports[h];
    if (!used || ports.length === 0) return true;
    for (const p of ports) if (used.has(p)) return false;
    return true;
  }

  fits(h: number, cpuMilli: number, memory: number, ports: readonly number[]): boolean {
    return this.freeCpu[h]! >= cpuMilli && this.freeMem[h]! >= memory && this.portsFree(h, ports);
  }

  take(h: number, cpuMilli: number, memory: number, ports: readonly number[]): void {
    this.freeCpu[h]! -= cpuMilli;
    this.freeMem[h]! -= memory;
    if (ports.length > 0) {
      const used = (this.ports[h] ??= new Set());
      for (const p of ports) used.add(p);
    }
  }

  /** Fraction of the host allocated (mean of cpu and memory) if a pod of this size were added. */
  allocationAfter(h: number, cpuMilli: number, memory: number): number {
    const cpu = this.capCpu[h]! > 0 ? (this.capCpu[h]! - this.freeCpu[h]! + cpuMilli) / this.capCpu[h]! : 1;
    const mem = this.capMem[h]! > 0 ? (this.capMem[h]! - this.freeMem[h]! + memory) / this.capMem[h]! : 1;
    return (cpu + mem) / 2;
  }
}

/** A pod's needs in the units the fleet state counts in (millicores, bytes). */
export function resourcesOf(r: Resources): { cpuMilli: number; memory: number } {
  return { cpuMilli: toMillicores(r.cpu), memory: r.memory };
}
