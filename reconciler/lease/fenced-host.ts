/**
 * A DockerHost whose writes ask the leadership first: an instance that lost
 * its lease stops before its next write (DESIGN §8), not at its next pass.
 * Reads (observe, status, logs, events) are not fenced: followers observe
 * too, for their status. `exec` is fenced because the proxy router writes
 * through it; a probe's exec then costs one etcd round trip (about 1 ms).
 */
import type { DockerHost } from "../docker/types.ts";
import type { Leadership } from "./leadership.ts";

export function fencedHost(inner: DockerHost, leadership: Pick<Leadership, "fence">): DockerHost {
  const fenced =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await leadership.fence();
      return fn(...args);
    };
  return {
    get name() {
      return inner.name;
    },
    get address() {
      return inner.address;
    },
    observe: (owner) => inner.observe(owner),
    capacity: () => inner.capacity(),
    portsInUse: (owner) => inner.portsInUse(owner),
    // A pull changes no container: it is left unfenced, so a follower's image cache may warm, and a long pull is not cut.
    pull: (image) => inner.pull(image),
    launchPod: fenced((launch) => inner.launchPod(launch)),
    stopPod: fenced((owner, pod, graceMs, onStopping) => inner.stopPod(owner, pod, graceMs, onStopping)),
    startPod: fenced((owner, pod) => inner.startPod(owner, pod)),
    removePod: fenced((owner, pod) => inner.removePod(owner, pod)),
    resizePod: fenced((owner, pod, resources) => inner.resizePod(owner, pod, resources)),
    exec: fenced((id, command, timeoutMs) => inner.exec(id, command, timeoutMs)),
    status: (id) => inner.status(id),
    bridgeGateway: () => inner.bridgeGateway(),
    logsTail: (id, lines) => inner.logsTail(id, lines),
    cpuCores: (id) => inner.cpuCores(id),
    events: (owner, onEvent, onEnd, onOpen) => inner.events(owner, onEvent, onEnd, onOpen),
  };
}
