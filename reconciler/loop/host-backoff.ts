/**
 * A host that could not be reached is retried with backoff (DESIGN §8): after
 * a failed observation, the next ones fail at once with the last cause for
 * 1 s, 2 s, 4 s … up to 30 s, instead of every pass waiting out a dead host's
 * timeout. One answer resets it. Only observation is gated; a rollout's
 * calls go through, and fail on their own if the host is still gone.
 */
import { HostUnreachableError } from "../docker/errors.ts";
import type { Capacity, DockerHost, ObservedContainer } from "../docker/types.ts";

export const HOST_BACKOFF_BASE_MS = 1_000;
export const HOST_BACKOFF_MAX_MS = 30_000;

export class BackedOffHost implements DockerHost {
  private failures = 0;
  private until = 0;
  private last: HostUnreachableError | undefined;

  constructor(
    private readonly inner: DockerHost,
    private readonly now: () => number,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get address(): string {
    return this.inner.address;
  }

  /** How long until observing this host is tried again (0: at once). The loop looks again then, not before. */
  retryInMs(): number {
    return this.last ? Math.max(0, this.until - this.now()) : 0;
  }

  private async gate<T>(fn: () => Promise<T>): Promise<T> {
    const t = this.now();
    if (this.last && t < this.until) {
      throw new HostUnreachableError({ ...this.last.data, cause: `${this.last.data.cause} (next try in ${Math.ceil((this.until - t) / 1000)} s)` });
    }
    try {
      const r = await fn();
      this.failures = 0;
      this.last = undefined;
      return r;
    } catch (err) {
      // Calls made together (observe, capacity, ports) count as one failure.
      if (err instanceof HostUnreachableError && this.until <= t) {
        this.failures++;
        this.until = t + Math.min(HOST_BACKOFF_MAX_MS, HOST_BACKOFF_BASE_MS * 2 ** (this.failures - 1));
        this.last = err;
      }
      throw err;
    }
  }

  observe(owner: string): Promise<ObservedContainer[]> {
    return this.gate(() => this.inner.observe(owner));
  }
  capacity(): Promise<Capacity> {
    return this.gate(() => this.inner.capacity());
  }
  portsInUse(owner: string): Promise<number[]> {
    return this.gate(() => this.inner.portsInUse(owner));
  }

  pull: DockerHost["pull"] = (image) => this.inner.pull(image);
  launchPod: DockerHost["launchPod"] = (launch) => this.inner.launchPod(launch);
  stopPod: DockerHost["stopPod"] = (owner, pod, graceMs, onStopping) => this.inner.stopPod(owner, pod, graceMs, onStopping);
  startPod: DockerHost["startPod"] = (owner, pod) => this.inner.startPod(owner, pod);
  removePod: DockerHost["removePod"] = (owner, pod) => this.inner.removePod(owner, pod);
  resizePod: DockerHost["resizePod"] = (owner, pod, resources) => this.inner.resizePod(owner, pod, resources);
  status: DockerHost["status"] = (id) => this.inner.status(id);
  exec: DockerHost["exec"] = (id, command, timeoutMs) => this.inner.exec(id, command, timeoutMs);
  bridgeGateway: DockerHost["bridgeGateway"] = () => this.inner.bridgeGateway();
  logsTail: DockerHost["logsTail"] = (id, lines) => this.inner.logsTail(id, lines);
  cpuCores: DockerHost["cpuCores"] = (id) => this.inner.cpuCores(id);
  events: DockerHost["events"] = (owner, onEvent, onEnd, onOpen) => this.inner.events(owner, onEvent, onEnd, onOpen);
}
