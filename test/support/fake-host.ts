/**
 * A recording in-memory Docker host for unit tests of rollout logic (the
 * real engines are exercised by the integration tests). Pods start
 * "starting", turn healthy after a few looks (or unhealthy, for images
 * listed as broken), and every call is recorded in order. A shared
 * `FakeFleet` checks invariants after every change.
 */
import type { Capacity, ContainerStatus, DockerHost, EngineEvent, ObservedContainer, PodLaunch, PublishedPort } from "../../reconciler/docker/types.ts";
import { HostUnreachableError, ImageNotFoundError, LaunchError, RegistryUnavailableError, ResizeError } from "../../reconciler/docker/errors.ts";
import { formatBytes } from "../../reconciler/plan/spec-changes.ts";
import type { ContainerResources } from "../../reconciler/plan/types.ts";
import type { PodSpec } from "../../reconciler/model/pod.ts";
import { LABEL } from "../../reconciler/docker/labels.ts";

export interface FakePod {
  readonly host: string;
  readonly pod: string;
  readonly group: string;
  readonly slot: number;
  readonly image: string;
  readonly specHash: string;
  /** `stopping`: a stop has begun and not ended (the engine still says running; it no longer counts as ready). */
  state: "running" | "stopping" | "stopped" | "exited";
  health: "starting" | "healthy" | "unhealthy";
  looks: number;
  /** The spec it was launched from, shown as the engine's `berth.spec` label when set. */
  spec?: PodSpec;
  /** The limits a resize in place set, per container. */
  resized?: Record<string, { cpu: number; memoryBytes: number }>;
}

/** One exec into a container, as FakeHost saw it. */
export interface FakeExec {
  readonly host: string;
  readonly id: string;
  readonly command: readonly string[];
  readonly timeoutMs: number;
}

export class FakeFleet {
  readonly pods = new Map<string, FakePod>();
  readonly calls: string[] = [];
  readonly brokenImages = new Set<string>();
  readonly crashingImages = new Set<string>();
  /** Images whose pods turn healthy, then exit a few looks later (like the bed's app:late-crash). */
  readonly lateCrashImages = new Set<string>();
  readonly unpullable = new Set<string>();
  /** Hosts whose engine does not answer: every call fails with HostUnreachableError. */
  readonly down = new Set<string>();
  /** While true, every pull fails as if the registry did not answer. */
  registryDown = false;
  /** Called before each recorded call (a test can take a host down at an exact step). */
  onCall: ((call: string) => void) | undefined;
  /** Memory each pod's containers use now, in bytes: a resize below it is refused, as the real adapter does. */
  readonly memoryInUse = new Map<string, number>();
  /** Cpu each pod's main container uses now, in cores (what `cpuCores` answers). */
  readonly cpu = new Map<string, number>();
  /** The grace period each pod was last stopped with. */
  readonly graces = new Map<string, number>();
  /** Looks (status calls) before a new pod turns healthy. */
  looksToHealthy = 2;
  /** The least number of ready pods per group seen after any change. */
  readonly minReady = new Map<string, number>();
  /** The most running pods per group seen after any change (a pod that is stopping is not counted). */
  readonly maxPods = new Map<string, number>();
  /** The most pods per group alive at once: running, or still stopping. */
  readonly maxAlive = new Map<string, number>();
  /** Event-loop turns a stop takes, the pod `stopping` meanwhile; 0: a stop ends at once. */
  stopTurns = 0;
  /** Every exec, in order (not in `calls`, so existing call lists stay as they were). */
  readonly execs: FakeExec[] = [];
  /**
   * Decides an exec's result: return one, or throw (e.g. HostUnreachableError).
   * Absent, or returning undefined: exit code 0 and no output, as before.
   */
  onExec: ((e: FakeExec) => { exitCode: number; output: string } | undefined) | undefined;
  /** Each host's address (DockerHost.address); absent: 127.0.0.1. */
  readonly addresses = new Map<string, string>();
  /** Each host's bridge gateway; absent: none. */
  readonly gateways = new Map<string, string>();
  /** The ports a pod publishes, as observe() and status() report them; absent: none. */
  portsOf: ((p: FakePod) => PublishedPort[]) | undefined;

  ready(group: string): number {
    return [...this.pods.values()].filter((p) => p.group === group && p.state === "running" && p.health === "healthy").length;
  }

  record(call: string): void {
    this.onCall?.(call);
    this.calls.push(call);
    const groups = new Set([...this.pods.values()].map((p) => p.group));
    for (const g of groups) {
      this.minReady.set(g, Math.min(this.minReady.get(g) ?? Infinity, this.ready(g)));
      const live = [...this.pods.values()].filter((p) => p.group === g && p.state === "running").length;
      this.maxPods.set(g, Math.max(this.maxPods.get(g) ?? 0, live));
      const alive = [...this.pods.values()].filter((p) => p.group === g && (p.state === "running" || p.state === "stopping")).length;
      this.maxAlive.set(g, Math.max(this.maxAlive.get(g) ?? 0, alive));
    }
  }

  /** Seeds a running, healthy pod as if a previous apply had made it. */
  seed(host: string, pod: string, group: string, slot: number, image: string, specHash: string): void {
    this.pods.set(pod, { host, pod, group, slot, image, specHash, state: "running", health: "healthy", looks: 0 });
  }

  host(name: string): FakeHost {
    return new FakeHost(name, this);
  }
}

export class FakeHost implements DockerHost {
  get address(): string {
    return this.fleet.addresses.get(this.name) ?? "127.0.0.1";
  }

  constructor(
    readonly name: string,
    private readonly fleet: FakeFleet,
  ) {}

  /** Throws as an engine that does not answer would. */
  private reach(what: string): void {
    if (this.fleet.down.has(this.name)) throw new HostUnreachableError({ host: this.name, endpoint: `unix:///fake/${this.name}.sock`, cause: `${what}: connect ENOENT` });
  }

  private mine(pod: string): FakePod | undefined {
    const p = this.fleet.pods.get(pod);
    return p && p.host === this.name ? p : undefined;
  }

  /** A late-crash pod that is healthy exits a few looks (status or list) after it turned healthy. */
  private lateCrash(p: FakePod): void {
    if (p.state !== "running" || p.health !== "healthy" || !this.fleet.lateCrashImages.has(p.image)) return;
    if (++p.looks < this.fleet.looksToHealthy + 3) return;
    p.state = "exited";
    this.fleet.record(`${this.name} crash ${p.group}/${p.slot} ${p.image}`);
  }

  async observe(owner: string): Promise<ObservedContainer[]> {
    this.reach("listing containers");
    const mine = [...this.fleet.pods.values()].filter((p) => p.host === this.name);
    for (const p of mine) this.lateCrash(p);
    return mine
      .map((p) => ({
        host: this.name,
        id: `${p.pod}-main`,
        name: `${p.group}-${p.slot}-${p.pod}`,
        labels: (p.spec ? { [LABEL.spec]: JSON.stringify(p.spec) } : {}) as Record<string, string>,
        ...(p.resized?.["main"] ? { resources: p.resized["main"] } : {}),
        image: p.image,
        state: p.state === "running" || p.state === "stopping" ? "running" : "exited",
        health: p.health,
        // As the engine's list reports it ("Exited (1) …"), like status() below.
        ...(p.state === "exited" ? { exitCode: 1 } : {}),
        createdAt: 0,
        ports: this.fleet.portsOf?.(p) ?? [],
        owner,
        kind: "service",
        group: p.group,
        slot: p.slot,
        container: "main",
        pod: p.pod,
        specHash: p.specHash,
        commit: "c",
      }));
  }

  async portsInUse(): Promise<number[]> {
    this.reach("listing containers");
    return [];
  }

  async capacity(): Promise<Capacity> {
    this.reach("reading engine info");
    return { cpu: 8, memory: 16 * 2 ** 30 };
  }

  async pull(image: string): Promise<void> {
    this.reach("pulling");
    this.fleet.record(`${this.name} pull ${image}`);
    if (this.fleet.registryDown) throw new RegistryUnavailableError({ host: this.name, image, cause: "dial tcp 127.0.0.1:5000: connect: connection refused" });
    if (this.fleet.unpullable.has(image)) throw new ImageNotFoundError({ host: this.name, image, cause: "manifest unknown" });
  }

  async launchPod(l: PodLaunch): Promise<{ containers: { name: string; id: string }[] }> {
    this.reach("creating a container");
    const image = l.spec.containers[0]!.image;
    if (l.spec.containers.some((c) => this.fleet.unpullable.has(c.image))) {
      this.fleet.record(`${this.name} launch-failed ${l.spec.name}/${l.slot}`);
      throw new LaunchError({ host: this.name, pod: l.pod, container: "main", cause: "no such image" });
    }
    this.fleet.pods.set(l.pod, { host: this.name, pod: l.pod, group: l.spec.name, slot: l.slot, image, specHash: l.spec.specHash, state: "running", health: "starting", looks: 0 });
    this.fleet.record(`${this.name} launch ${l.spec.name}/${l.slot} ${image}`);
    return { containers: [{ name: `${l.spec.name}-${l.slot}`, id: `${l.pod}-main` }] };
  }

  async stopPod(_owner: string, pod: string, graceMs: number, onStopping?: () => void): Promise<void> {
    this.reach("stopping a container");
    const p = this.mine(pod);
    this.fleet.graces.set(pod, graceMs);
    if (p && p.state === "running" && this.fleet.stopTurns > 0) {
      p.state = "stopping";
      this.fleet.record(`${this.name} stop ${p.group}/${p.slot} ${p.image}`);
      onStopping?.();
      for (let i = 0; i < this.fleet.stopTurns; i++) await new Promise((resolve) => setImmediate(resolve));
      // The engine's answer comes at the end: a host lost meanwhile fails the stop, as a broken connection would.
      this.reach("stopping a container");
      if (p.state === "stopping") p.state = "stopped";
      this.fleet.record(`${this.name} stopped ${p.group}/${p.slot} ${p.image}`);
      return;
    }
    if (p) p.state = "stopped";
    this.fleet.record(`${this.name} stop ${p?.group}/${p?.slot} ${p?.image}`);
  }

  async startPod(_owner: string, pod: string): Promise<void> {
    this.reach("starting a container");
    const p = this.mine(pod);
    if (p) {
      p.state = "running";
      p.health = "healthy";
    }
    this.fleet.record(`${this.name} start ${p?.group}/${p?.slot} ${p?.image}`);
  }

  async resizePod(_owner: string, pod: string, resources: readonly ContainerResources[]): Promise<void> {
    this.reach("updating a container");
    const p = this.mine(pod);
    const what = resources.map((r) => `${r.container} cpu ${r.cpu} memory ${formatBytes(r.memoryBytes)}`).join("; ");
    this.fleet.record(`${this.name} resize ${p?.group}/${p?.slot} ${what}`);
    for (const r of resources) {
      if (!p) throw new ResizeError({ host: this.name, pod, container: r.container, cause: "the container is gone" });
      const used = this.fleet.memoryInUse.get(pod) ?? 0;
      if (used > r.memoryBytes) throw new ResizeError({ host: this.name, pod, container: r.container, cause: `it uses ${formatBytes(used)} of memory now, more than the new limit ${formatBytes(r.memoryBytes)}` });
      p.resized = { ...p.resized, [r.container]: { cpu: r.cpu, memoryBytes: r.memoryBytes } };
    }
  }

  async removePod(_owner: string, pod: string): Promise<void> {
    this.reach("removing a container");
    const p = this.mine(pod);
    // Like an engine: removing a pod this host does not have is a no-op, whoever has it.
    if (p) this.fleet.pods.delete(pod);
    this.fleet.record(`${this.name} remove ${p?.group}/${p?.slot} ${p?.image}`);
  }

  async status(id: string): Promise<ContainerStatus | undefined> {
    this.reach("inspecting a container");
    const p = this.mine(id.replace(/-main$/, ""));
    if (!p) return undefined;
    if (p.state === "running" && p.health === "healthy") this.lateCrash(p);
    else p.looks++;
    if (p.state === "running" && p.health === "starting") {
      if (this.fleet.crashingImages.has(p.image)) p.state = "exited";
      else if (p.looks >= this.fleet.looksToHealthy) p.health = this.fleet.brokenImages.has(p.image) ? "unhealthy" : "healthy";
      this.fleet.record(`${this.name} look ${p.group}/${p.slot} ${p.state} ${p.health}`);
    }
    return { id, state: p.state === "running" || p.state === "stopping" ? "running" : "exited", health: p.health, ...(p.state === "exited" ? { exitCode: 1 } : {}), ports: this.fleet.portsOf?.(p) ?? [] };
  }

  async exec(id: string, command: readonly string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    const e: FakeExec = { host: this.name, id, command: [...command], timeoutMs };
    this.fleet.execs.push(e);
    return this.fleet.onExec?.(e) ?? { exitCode: 0, output: "" };
  }

  async logsTail(): Promise<string> {
    return "";
  }

  /** What the test set in `fleet.cpu` for the container's pod, in cores; undefined when unset. */
  async cpuCores(id: string): Promise<number | undefined> {
    return this.fleet.cpu.get(id.replace(/-main$/, ""));
  }

  async bridgeGateway(): Promise<string | undefined> {
    return this.fleet.gateways.get(this.name);
  }

  events(_owner: string, _onEvent: (e: EngineEvent) => void): { close(): void } {
    return { close: () => undefined };
  }
}

/** A clock that never waits: sleeping only advances time. */
export function fakeClock(start = 0): { now(): number; sleep(ms: number): Promise<void> } {
  let t = start;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
      await Promise.resolve();
    },
  };
}
