/**
 * The rollout's side of traffic: the routes every proxy should have right
 * now, changed by the rollout's `route` and `drain` steps, and pushed into
 * every host's proxy after each change. It starts from the plan's traffic
 * section (what serves now), so what it pushes is what the plan printed.
 *
 * A push renders the host's whole config (traffic/haproxy-config.ts),
 * writes it into the proxy container and reloads HAProxy (SIGUSR2 to its
 * master, PID 1), in one exec; the config travels as an argument, never
 * through a shell's parsing. Pushes to one proxy run one at a time, each
 * with the routes as they are when it starts, so the last push always
 * carries the last change. A proxy whose config already has the same
 * digest is not pushed again.
 */
import { HostUnreachableError } from "../docker/errors.ts";
import type { DockerHost } from "../docker/types.ts";
import { BerthError } from "../model/berth-error.ts";
import type { PlanBackend, PodRef, Plan } from "../plan/types.ts";
import type { Clock } from "../rollout/clock.ts";
import { adminSocket, CONFIG_FILE, configDigest, renderProxyConfig, type ServiceRoutes } from "./haproxy-config.ts";
import { PROXY_SERVICE } from "./proxy-service.ts";
import { backendOf, byBackendOrder } from "./routes.ts";

/** A proxy could not take its new routes: the rollout stops before it would stop a pod that still gets traffic. */
export class ProxySyncError extends BerthError {
  readonly code = "proxy-sync-failed";
  readonly reaction = "retry";
  constructor(readonly data: { host: string; detail: string }) {
    super(`the proxy on ${data.host} did not take its new routes: ${data.detail}`);
  }
}

/**
 * Writes the config given as $1, has HAProxy check it, and only then puts it
 * in place and reloads the master (PID 1): a config HAProxy would refuse
 * never replaces the one that serves. `mv` keeps a reader from ever seeing
 * half a file. Then it waits until the master has loaded it — the config's
 * own admin socket ($1; the config follows in pieces) exists — sending the signal again each second: a
 * SIGUSR2 that arrives while the master is still re-executing itself for
 * the previous push is lost (seen on the bed: two pushes 100–200 ms apart
 * left the older routes live, and the drained pod was stopped while it still
 * got connections). It gives up after 10 s; the old sockets are removed.
 */
const PUSH_SCRIPT = [
  `sock=$1; shift`,
  `printf '%s' "$@" > ${CONFIG_FILE}.new && haproxy -c -q -f ${CONFIG_FILE}.new && mv ${CONFIG_FILE}.new ${CONFIG_FILE} || exit 1`,
  `i=0; while [ ! -S "$sock" ]; do [ $((i % 20)) -eq 0 ] && kill -USR2 1; i=$((i + 1)); [ $i -gt 200 ] && { echo "HAProxy did not load the new config within 10 s: an exposed port may be held on this host by something else (another berth owner's proxy?); its log says which"; exit 2; }; sleep 0.05; done`,
  `for f in /tmp/berth/admin-*.sock; do [ "$f" = "$sock" ] || rm -f "$f"; done`,
].join("\n");

/**
 * Linux caps one argument at 128 KiB (MAX_ARG_STRLEN): a config is passed
 * in pieces below that, which `printf '%s' "$@"` joins again. All of them
 * together stay under the engine's ARG_MAX (2 MiB by default), about 4,000
 * exposed services of 3 replicas.
 */
const ARG_CHUNK = 96 * 1024;

function chunks(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += ARG_CHUNK) out.push(text.slice(i, i + ARG_CHUNK));
  return out;
}const PUSH_TIMEOUT_MS = 15_000;

/** What the rollout asks of traffic. */
export interface TrafficRouter {
  /** Pushes the plan's routes into every proxy the plan found not in sync. */
  start(): Promise<void>;
  /** A new pod of an exposed service counts: every proxy routes to it. `ports` come from the engine (engine-assigned host ports). */
  route(service: string, pod: Pick<PodRef, "host" | "slot" | "pod" | "ports">): Promise<void>;
  /** A pod leaves every proxy; with `wait`, resolves after the drain delay so requests under way finish before it stops. */
  drain(service: string, pod: string, wait: boolean): Promise<void>;
  /** A proxy pod came up on `host` (its main container `container`): it gets every route. */
  proxyUp(host: string, container: string): Promise<void>;
  /** The proxy pod on `host` is about to stop: nothing more is pushed to it. */
  proxyDown(host: string): void;
  /** Whether `service` is routed by the proxies. */
  routes(service: string): boolean;
}

interface Proxy {
  readonly container: string;
  /** The digest line last pushed (or observed in sync). */
  last?: string;
  chain: Promise<void>;
}

export interface RouterOptions {
  readonly hosts: ReadonlyMap<string, DockerHost>;
  readonly clock: Clock;
  readonly drainDelayMs: number;
  /** A proxy that could not be reached is reported here; the rollout goes on (that host is down for everyone). */
  readonly onSkipped?: (host: string, why: string) => void;
}

export class ProxyRouter implements TrafficRouter {
  private readonly table = new Map<string, { expose: ServiceRoutes["expose"]; backends: Map<string, PlanBackend> }>();
  private readonly proxies = new Map<string, Proxy>();
  private readonly stale: string[] = [];

  constructor(
    plan: Plan,
    private readonly opts: RouterOptions,
  ) {
    const traffic = plan.traffic;
    for (const s of traffic?.services ?? []) this.table.set(s.service, { expose: s.expose, backends: new Map(s.backends.map((b) => [b.pod, b])) });
    const proxyPods = new Map((plan.services.find((s) => s.name === PROXY_SERVICE)?.changes ?? []).flatMap((c) => ("from" in c && c.from ? [[c.from.pod, c.from] as const] : [])));
    for (const p of traffic?.proxies ?? []) {
      const main = p.pod ? proxyPods.get(p.pod)?.containers.find((c) => c.container === "main")?.id : undefined;
      if (!main) continue;
      this.proxies.set(p.host, { container: main, chain: Promise.resolve() });
      if (p.routes !== "in-sync") this.stale.push(p.host);
    }
  }

  routes(service: string): boolean {
    return this.table.has(service);
  }

  async start(): Promise<void> {
    await this.pushAll(this.stale);
  }

  async route(service: string, pod: Pick<PodRef, "host" | "slot" | "pod" | "ports">): Promise<void> {
    const entry = this.table.get(service);
    const host = this.opts.hosts.get(pod.host);
    if (!entry || !host) return;
    const b = backendOf(pod, host.address);
    if (!b) return;
    entry.backends.set(b.pod, b);
    await this.pushAll();
  }

  async drain(service: string, pod: string, wait: boolean): Promise<void> {
    const entry = this.table.get(service);
    if (!entry?.backends.delete(pod)) return;
    await this.pushAll();
    if (wait) await this.opts.clock.sleep(this.opts.drainDelayMs);
  }

  async proxyUp(host: string, container: string): Promise<void> {
    this.proxies.set(host, { container, chain: Promise.resolve() });
    await this.pushAll([host]);
  }

  proxyDown(host: string): void {
    this.proxies.delete(host);
  }

  /** The routes as every proxy should have them now. */
  private current(): ServiceRoutes[] {
    return [...this.table].sort(([a], [b]) => a.localeCompare(b)).map(([service, e]) => ({ service, expose: e.expose, backends: [...e.backends.values()].sort(byBackendOrder) }));
  }

  private async pushAll(only?: readonly string[]): Promise<void> {
    const hosts = only ?? [...this.proxies.keys()];
    await Promise.all(hosts.map((h) => this.push(h)));
  }

  /** Queues a push to one proxy; it renders the routes when its turn comes. */
  private push(hostName: string): Promise<void> {
    const proxy = this.proxies.get(hostName);
    const host = this.opts.hosts.get(hostName);
    if (!proxy || !host) return Promise.resolve();
    const run = async () => {
      if (this.proxies.get(hostName) !== proxy) return;
      const gateway = await host.bridgeGateway();
      const config = renderProxyConfig(this.current(), { address: host.address, ...(gateway ? { gateway } : {}) });
      const digest = configDigest(config)!;
      if (digest === proxy.last) return;
      const r = await host.exec(proxy.container, ["/bin/sh", "-c", PUSH_SCRIPT, "sh", adminSocket(digest), ...chunks(config)], PUSH_TIMEOUT_MS);
      if (r.exitCode !== 0) throw new ProxySyncError({ host: hostName, detail: `exit code ${r.exitCode}${r.output.trim() ? `: ${r.output.trim().slice(0, 300)}` : ""}` });
      proxy.last = digest;
    };
    const next = proxy.chain.then(run).catch((err: unknown) => {
      // A host that stopped answering is down for every client: its proxy is left out of the rest of this apply (each push to it would wait for the engine again); the next plan takes it up.
      if (err instanceof HostUnreachableError) {
        if (this.proxies.get(hostName) === proxy) this.proxies.delete(hostName);
        this.opts.onSkipped?.(hostName, err.message);
        return;
      }
      // A proxy that could not take its routes (gone, restarting, too slow) is the world's fault, not the commit's: retried.
      if (err instanceof BerthError) throw err;
      throw new ProxySyncError({ host: hostName, detail: err instanceof Error ? err.message : String(err) });
    });
    proxy.chain = next.catch(() => undefined);
    return next;
  }
}
