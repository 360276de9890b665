/**
 * `DockerHost` over dockerode. Thin: it turns berth's verbs into Engine API
 * calls and the answers into berth's types; policy lives in the rollout.
 */
import type Docker from "dockerode";
import { dockerode } from "./load-dockerode.ts";
import { PassThrough } from "node:stream";
import type { ContainerSpec } from "../model/pod.ts";
import { containerName, createOptions, podVolumeName } from "./container-config.ts";
import { EngineReads } from "./engine-reads.ts";
import { resolveEndpoint, type Connection, type EndpointSpec } from "./endpoint.ts";
import type { SshSettings } from "../model/operator-config.ts";
import { sshDialStdioAgent } from "./ssh-dial-stdio.ts";
import { sshFailure } from "./ssh-failure.ts";
import { sshHostVerifier, type SshHostVerifier } from "./ssh-host-verifier.ts";
import { EndpointRefusedError, HostUnreachableError, LaunchError, ResizeError, causeOf } from "./errors.ts";
import { parseResizedName, resizedName } from "./resized-name.ts";
import { formatBytes } from "../plan/spec-changes.ts";
import type { ContainerResources } from "../plan/types.ts";
import { pullFailure } from "./pull-failure.ts";
import { EventLines } from "./event-lines.ts";
import { CredentialHelperError } from "./credential-helper.ts";
import { registryAuth, registryOf } from "./registry-auth.ts";
import { LABEL, ownerFilter } from "./labels.ts";
import { exitCodeFromStatus, healthFromStatus } from "./status-text.ts";
import type { Capacity, ContainerState, ContainerStatus, DockerHost, EngineEvent, ObservedContainer, PodLaunch, PublishedPort } from "./types.ts";

const UNREACHABLE = new Set(["ECONNREFUSED", "ENOENT", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ECONNRESET", "EAI_AGAIN", "ENOTFOUND", "EPIPE"]);
const OBSERVE_TIMEOUT_MS = 10_000;
/** How long one pull may take in all; a stalled download is then retried, not waited on for ever. */
const PULL_TIMEOUT_MS = 10 * 60_000;

/** TLS failures need a human (a certificate to fix), not a retry: what to fix, by error code. */
function tlsFailure(code: string): string | undefined {
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return "the engine's certificate is not issued for this address; fix its subjectAltName or the endpoint";
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") return "the engine's certificate is outside its validity period";
  if (/^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT(_LOCALLY)?)|CERT_SIGNATURE_FAILURE|CERT_UNTRUSTED)$/.test(code)) {
    return "the engine's certificate is not signed by the CA in the Host's tls.ca";
  }
  if (/^ERR_SSL_(TLSV1|TLSV13|SSLV3)_ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|CERTIFICATE_REQUIRED|ACCESS_DENIED)$/.test(code)) {
    return "the engine refused the client certificate in the Host's tls.cert (is it signed by the engine's CA?)";
  }
  return undefined;
}

function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

function ignoreGone(err: unknown): void {
  // 304: already stopped/started; 404: already gone. Both mean "done".
  if (statusCode(err) === 304 || statusCode(err) === 404) return;
  throw err;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`${what} timed out after ${ms} ms`), { code: "ETIMEDOUT" })), ms);
    }),
  ]);
}

function sshDocker(conn: Extract<Connection, { kind: "ssh" }>, verifier: SshHostVerifier): { docker: () => Docker; reads: EngineReads } {
  const agent = sshDialStdioAgent({
    host: conn.host,
    port: conn.port,
    username: conn.username,
    ...(conn.privateKey ? { privateKey: conn.privateKey } : {}),
    ...(conn.agent ? { agent: conn.agent } : {}),
    hostVerifier: verifier.verify,
    readyTimeout: 10_000,
  });
  // Plain HTTP inside the SSH channel; the host name only fills the Host header. docker-modem honours
  // `agent`, which @types/dockerode does not list.
  const options: Docker.DockerOptions & { agent: typeof agent } = { protocol: "http", host: conn.host, port: conn.port, agent };
  return { docker: () => new (dockerode())(options), reads: new EngineReads({ kind: "agent", agent, host: conn.host, port: conn.port }) };
}

/**
 * dockerode's requests to a tcp engine close their socket after the answer
 * (`Connection: close`): kept alive (Node's default, for 5 s) the sockets
 * of an apply across thousands of hosts would grow with the hosts touched,
 * not with the rollout's concurrency. Not an `agent` option: docker-modem
 * formats every request's options, agent and its sockets included, for a
 * debug line even when debugging is off. The observation's reads keep one
 * socket for their two requests (engine-reads.ts).
 */
const CLOSE_AFTER_ANSWER = { Connection: "close" } as const;

export class DockerodeHost implements DockerHost {
  readonly name: string;
  readonly address: string;
  private readonly makeDocker: () => Docker;
  private dockerInstance: Docker | undefined;
  private get docker(): Docker {
    return (this.dockerInstance ??= this.makeDocker());
  }
  /** The observation's two reads (containers, info), on one connection. */
  private readonly reads: EngineReads;
  private readonly endpoint: string;
  private readonly tls: boolean;

  /** False for an engine reached over plain TCP: whoever is on the path would read the registry password. */
  private readonly sendsCredentials: boolean;
  /** For an ssh:// engine: the host key check, and `user@host:port` for messages. */
  private readonly ssh?: { readonly verifier: SshHostVerifier; readonly target: string };

  constructor(
    spec: EndpointSpec,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly opts: { readonly credentialRegistries?: readonly string[]; readonly ssh?: SshSettings } = {},
  ) {
    const conn = resolveEndpoint(spec, { ...(opts.ssh ? { ssh: opts.ssh } : {}), env });
    this.name = spec.name;
    this.tls = conn.kind === "tcp" && conn.tls !== undefined;
    // SSH encrypts and authenticates the engine (its host key), as TLS does.
    this.sendsCredentials = conn.kind === "unix" || conn.kind === "ssh" || this.tls;
    this.endpoint = spec.endpoint;
    this.address = spec.address ?? conn.address;
    if (conn.kind === "ssh") {
      this.ssh = { verifier: sshHostVerifier({ host: conn.host, port: conn.port, knownHosts: conn.knownHosts }), target: `${conn.username}@${conn.host}:${conn.port}` };
      ({ docker: this.makeDocker, reads: this.reads } = sshDocker(conn, this.ssh.verifier));
    } else if (conn.kind === "unix") {
      this.makeDocker = () => new (dockerode())({ socketPath: conn.socketPath });
      this.reads = new EngineReads({ kind: "unix", socketPath: conn.socketPath });
    } else {
      this.makeDocker = () => new (dockerode())({ host: conn.host, port: conn.port, protocol: conn.tls ? "https" : "http", headers: { ...CLOSE_AFTER_ANSWER }, ...(conn.tls ?? {}) });
      this.reads = new EngineReads({ kind: "tcp", host: conn.host, port: conn.port, ...(conn.tls ? { tls: conn.tls } : {}) });
    }
  }

  /** Wraps connection failures as `HostUnreachableError`; other errors pass through. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: string }).code;
      const ssh = this.ssh ? sshFailure(err, this.ssh.target, this.ssh.verifier.refusal()) : undefined;
      if (ssh?.kind === "refused") throw new EndpointRefusedError({ host: this.name, endpoint: this.endpoint, reason: ssh.reason });
      if (ssh?.kind === "unreachable") throw new HostUnreachableError({ host: this.name, endpoint: this.endpoint, cause: `${what}: ${ssh.cause}` });
      if (code && UNREACHABLE.has(code)) {
        // With TLS 1.3 an engine that refuses the client certificate just closes the connection.
        const hint = this.tls && code === "ECONNRESET" ? " (if this persists: does the engine accept the Host's tls.cert?)" : "";
        throw new HostUnreachableError({ host: this.name, endpoint: this.endpoint, cause: `${what}: ${causeOf(err)}${hint}` });
      }
      const tlsReason = code ? tlsFailure(code) : undefined;
      if (tlsReason) throw new EndpointRefusedError({ host: this.name, endpoint: this.endpoint, reason: `${what} at ${this.endpoint}: ${tlsReason} (${causeOf(err)})` });
      throw err;
    }
  }

  /** The list just asked for, shared by observe and portsInUse when they are called together. */
  private listing: Promise<Docker.ContainerInfo[]> | undefined;

  /**
   * Every container of the engine, berth's and others', in one request: an
   * observation costs 2 requests a host (this and info), not 3 (issue 16).
   * Only calls made in the same synchronous stretch (observeFleet's
   * Promise.all) share it; a later call, e.g. a check after a stop, asks
   * the engine afresh.
   */
  private listAll(): Promise<Docker.ContainerInfo[]> {
    if (this.listing) return this.listing;
    const listing = this.call("listing containers", () => this.reads.getJson<Docker.ContainerInfo[]>("/containers/json?all=1", { timeoutMs: OBSERVE_TIMEOUT_MS, what: "listing containers" }));
    this.listing = listing;
    queueMicrotask(() => {
      if (this.listing === listing) this.listing = undefined;
    });
    return listing;
  }

  async observe(owner: string): Promise<ObservedContainer[]> {
    const list = await this.listAll();
    const out: ObservedContainer[] = [];
    for (const c of list) {
      const labels = c.Labels ?? {};
      const group = labels[LABEL.service] ?? labels[LABEL.job];
      const pod = labels[LABEL.pod];
      if (labels[LABEL.managed] !== "true" || labels[LABEL.owner] !== owner || !group || !pod) continue;
      const name = (c.Names?.[0] ?? "").replace(/^\//, "");
      const { resources } = parseResizedName(name);
      out.push({
        host: this.name,
        id: c.Id,
        name,
        ...(resources ? { resources } : {}),
        labels,
        image: c.Image,
        state: c.State as ContainerState,
        health: healthFromStatus(c.Status ?? ""),
        ...(exitCodeFromStatus(c.Status ?? "") !== undefined ? { exitCode: exitCodeFromStatus(c.Status ?? "")! } : {}),
        createdAt: c.Created * 1000,
        ports: (c.Ports ?? []).filter((p) => p.PublicPort).map((p) => ({ containerPort: p.PrivatePort, protocol: p.Type as "tcp" | "udp", hostIp: p.IP ?? "", hostPort: p.PublicPort! })),
        owner,
        kind: labels[LABEL.service] ? "service" : "job",
        group,
        slot: Number(labels[LABEL.slot] ?? -1),
        container: labels[LABEL.container] ?? "main",
        pod,
        specHash: labels[LABEL.specHash] ?? "",
        commit: labels[LABEL.commit] ?? "",
      });
    }
    return out;
  }

  async portsInUse(owner: string): Promise<number[]> {
    const ports = new Set<number>();
    for (const c of await this.listAll()) {
      if (c.State !== "running") continue;
      const labels = c.Labels ?? {};
      if (labels[LABEL.managed] === "true" && labels[LABEL.owner] === owner) continue;
      for (const p of c.Ports ?? []) if (p.PublicPort) ports.add(p.PublicPort);
    }
    return [...ports].sort((a, b) => a - b);
  }

  async capacity(): Promise<Capacity> {
    const info = await this.call("reading engine info", () => this.reads.getJson<{ NCPU: number; MemTotal: number }>("/info", { timeoutMs: OBSERVE_TIMEOUT_MS, what: "reading engine info" }));
    return { cpu: info.NCPU, memory: info.MemTotal };
  }

  async pull(image: string): Promise<void> {
    const have = await this.call("inspecting image", () => this.docker.getImage(image).inspect()).then(() => true, (err) => {
      if (err instanceof HostUnreachableError) throw err;
      return false;
    });
    if (have) return;
    try {
      const allowed = this.sendsCredentials && (this.opts.credentialRegistries === undefined || this.opts.credentialRegistries.includes(registryOf(image)));
      const authconfig = allowed ? await registryAuth(image, this.env) : {};
      const stream = await this.call("pulling", () => this.docker.pull(image, { authconfig }));
      const done = new Promise<void>((resolve, reject) =>
        this.docker.modem.followProgress(stream, (err: Error | null, events: Array<{ error?: string }>) => {
          const failed = events?.find((e) => e.error);
          if (err || failed) reject(new Error(err ? causeOf(err) : failed!.error));
          else resolve();
        }),
      );
      // A registry that stops sending mid-download would hang the rollout; a timed-out pull is retried.
      await withTimeout(done, PULL_TIMEOUT_MS, `pulling ${image}`).catch((err: unknown) => {
        (stream as { destroy?: () => void }).destroy?.();
        throw err;
      });
    } catch (err) {
      if (err instanceof HostUnreachableError || err instanceof CredentialHelperError) throw err;
      throw pullFailure(this.name, image, err);
    }
  }

  async launchPod(launch: PodLaunch): Promise<{ containers: { name: string; id: string }[] }> {
    const created: { name: string; id: string; spec: ContainerSpec }[] = [];
    let current = "main";
    try {
      for (const c of launch.spec.containers) {
        current = c.name;
        const container = await this.call("creating a container", () => this.docker.createContainer(createOptions(launch, c, created[0]?.id)));
        created.push({ name: containerName(launch.spec, launch.slot, launch.pod, c.name), id: container.id, spec: c });
      }
      for (const c of created) {
        current = c.spec.name;
        await this.call("starting a container", () => this.docker.getContainer(c.id).start()).catch(ignoreGone);
      }
      return { containers: created.map(({ name, id }) => ({ name, id })) };
    } catch (err) {
      // All or nothing: a pod with a missing container is not a pod.
      await Promise.all(created.map((c) => this.docker.getContainer(c.id).remove({ force: true, v: true }).catch(() => undefined)));
      await this.removePodVolumes(launch.pod).catch(() => undefined);
      // The engine, not the pod: a refused host key or certificate says so for every pod alike.
      if (err instanceof HostUnreachableError || err instanceof EndpointRefusedError) throw err;
      throw new LaunchError({ host: this.name, pod: launch.pod, container: current, cause: causeOf(err) });
    }
  }

  private async podContainers(owner: string, pod: string): Promise<{ id: string; container: string; running: boolean }[]> {
    const list = await this.call("listing a pod", () => this.docker.listContainers({ all: true, filters: { label: [...ownerFilter(owner), `${LABEL.pod}=${pod}`] } }));
    return list.map((c) => ({ id: c.Id, container: c.Labels?.[LABEL.container] ?? "main", running: c.State === "running" || c.State === "restarting" }));
  }

  async stopPod(owner: string, pod: string, graceMs: number, onStopping?: () => void): Promise<void> {
    const list = await this.podContainers(owner, pod);
    const t = Math.ceil(graceMs / 1000);
    const stop = (id: string) => this.call("stopping a container", () => this.docker.getContainer(id).stop({ t })).catch(ignoreGone);
    await Promise.all(list.filter((c) => c.container !== "main" && c.running).map((c) => stop(c.id)));
    const mains = list.filter((c) => c.container === "main" && c.running).map((c) => stop(c.id));
    onStopping?.();
    await Promise.all(mains);
  }

  async startPod(owner: string, pod: string): Promise<void> {
    const list = await this.podContainers(owner, pod);
    for (const c of [...list].sort((a, b) => (a.container === "main" ? -1 : b.container === "main" ? 1 : 0))) {
      await this.call("starting a container", () => this.docker.getContainer(c.id).start()).catch(ignoreGone);
    }
  }

  async resizePod(owner: string, pod: string, resources: readonly ContainerResources[]): Promise<void> {
    const list = await this.podContainers(owner, pod);
    for (const r of resources) {
      const fail = (cause: string) => new ResizeError({ host: this.name, pod, container: r.container, cause });
      const c = list.find((x) => x.container === r.container);
      if (!c) throw fail("the container is gone");
      const handle = this.docker.getContainer(c.id);
      const info = await this.call("inspecting a container", () => handle.inspect());
      const have = info.HostConfig;
      const nanoCpus = Math.round(r.cpu * 1e9);
      try {
        if (r.memoryBytes < (have.Memory ?? 0)) {
          // Below what it uses, the kernel would reclaim, then OOM-kill the process: refused with the figures instead.
          const stats = (await this.call("reading container stats", () => handle.stats({ stream: false }))) as { memory_stats?: { usage?: number; stats?: { inactive_file?: number } } };
          const used = (stats.memory_stats?.usage ?? 0) - (stats.memory_stats?.stats?.inactive_file ?? 0);
          if (used > r.memoryBytes) throw fail(`it uses ${formatBytes(used)} of memory now, more than the new limit ${formatBytes(r.memoryBytes)}; lower it once the process uses less, or replace the pod`);
        }
        if (have.NanoCpus !== nanoCpus || have.Memory !== r.memoryBytes) {
          // Launch sets Memory alone and the engine then allows as much swap again (MemorySwap = 2 × Memory); a resize keeps that, and must set both, or raising Memory past the old MemorySwap is refused.
          const swap = (have.MemorySwap ?? 0) > 0 ? { MemorySwap: 2 * r.memoryBytes } : {};
          await this.call("updating a container", () => handle.update({ NanoCpus: nanoCpus, Memory: r.memoryBytes, ...swap }));
        }
        // Renamed last: a name that carries the new limits is only ever seen once the engine enforces them.
        const name = resizedName(info.Name.replace(/^\//, ""), r);
        if (info.Name.replace(/^\//, "") !== name) await this.call("renaming a container", () => handle.rename({ name }));
      } catch (err) {
        if (err instanceof HostUnreachableError || err instanceof ResizeError) throw err;
        throw fail(causeOf(err));
      }
    }
  }

  async removePod(owner: string, pod: string): Promise<void> {
    const list = await this.podContainers(owner, pod);
    // Template containers first: they live in main's network namespace.
    const remove = (id: string) => this.call("removing a container", () => this.docker.getContainer(id).remove({ force: true, v: true })).catch(ignoreGone);
    await Promise.all(list.filter((c) => c.container !== "main").map((c) => remove(c.id)));
    await Promise.all(list.filter((c) => c.container === "main").map((c) => remove(c.id)));
    await this.removePodVolumes(pod);
  }

  private async removePodVolumes(pod: string): Promise<void> {
    const prefix = podVolumeName(pod, "");
    const { Volumes } = await this.call("listing volumes", () => this.docker.listVolumes({ filters: { name: [prefix] } }));
    await Promise.all((Volumes ?? []).filter((v) => v.Name.startsWith(prefix)).map((v) => this.call("removing a volume", () => this.docker.getVolume(v.Name).remove()).catch(ignoreGone)));
  }

  async status(id: string): Promise<ContainerStatus | undefined> {
    try {
      const info = await this.call("inspecting a container", () => this.docker.getContainer(id).inspect());
      const ports: PublishedPort[] = [];
      for (const [key, bindings] of Object.entries(info.NetworkSettings?.Ports ?? {})) {
        const [port, proto] = key.split("/");
        for (const b of bindings ?? []) ports.push({ containerPort: Number(port), protocol: proto as "tcp" | "udp", hostIp: b.HostIp, hostPort: Number(b.HostPort) });
      }
      const health = (info.State.Health?.Status ?? "none") as ContainerStatus["health"];
      const check = (info.Config as { Healthcheck?: { Test?: string[]; Timeout?: number } }).Healthcheck;
      const test = healthTestCommand(check?.Test);
      return { id, state: info.State.Status as ContainerState, health, exitCode: info.State.ExitCode, ports, ...(test ? { healthTest: test, healthTimeoutMs: check?.Timeout ? check.Timeout / 1e6 : 30_000 } : {}) };
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw err;
    }
  }

  async exec(id: string, command: readonly string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    const exec = await this.call("creating an exec", () => this.docker.getContainer(id).exec({ Cmd: [...command], AttachStdout: true, AttachStderr: true }));
    const stream = await this.call("starting an exec", () => exec.start({ hijack: true, stdin: false }));
    const sink = new PassThrough();
    let output = "";
    sink.on("data", (c: Buffer) => (output += c.toString()));
    this.docker.modem.demuxStream(stream, sink, sink);
    await withTimeout(new Promise<void>((resolve) => stream.on("end", () => resolve())), timeoutMs, `running ${command[0] ?? "a command"} in container ${id.slice(0, 12)}`).catch((err) => {
      stream.destroy();
      throw err;
    });
    const info = await this.call("inspecting an exec", () => exec.inspect());
    return { exitCode: info.ExitCode ?? -1, output };
  }

  private gateway: Promise<string | undefined> | undefined;

  bridgeGateway(): Promise<string | undefined> {
    // The default bridge's gateway does not change while the engine runs; a failed read is tried again next time.
    this.gateway ??= this.call("inspecting the bridge network", () => this.docker.getNetwork("bridge").inspect()).then(
      (n: { IPAM?: { Config?: { Gateway?: string }[] } }) => n.IPAM?.Config?.find((c) => c.Gateway)?.Gateway,
      (err: unknown) => {
        this.gateway = undefined;
        throw err;
      },
    );
    return this.gateway;
  }

  async logsTail(id: string, lines: number): Promise<string> {
    const buf = (await this.call("reading logs", () => this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false }))) as unknown as Buffer;
    // Without a TTY the engine multiplexes: 8-byte frame headers before each chunk.
    const parts: Buffer[] = [];
    for (let i = 0; i + 8 <= buf.length; ) {
      const size = buf.readUInt32BE(i + 4);
      parts.push(buf.subarray(i + 8, i + 8 + size));
      i += 8 + size;
    }
    return Buffer.concat(parts).toString("utf8");
  }

  async cpuCores(id: string): Promise<number | undefined> {
    // One-shot off: the engine samples twice about a second apart, so precpu_stats is filled.
    const s = (await this.call("reading cpu stats", () => this.docker.getContainer(id).stats({ stream: false }))) as unknown as Docker.ContainerStats;
    const used = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
    const system = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
    const cpus = s.cpu_stats.online_cpus || s.cpu_stats.cpu_usage.percpu_usage?.length || 1;
    if (!(system > 0) || !(used >= 0)) return undefined;
    return (used / system) * cpus;
  }

  events(owner: string, onEvent: (e: EngineEvent) => void, onEnd: (err?: Error) => void, onOpen?: () => void): { close(): void } {
    let closed = false;
    let stream: NodeJS.ReadableStream & { destroy?: () => void } | undefined;
    this.docker
      .getEvents({ filters: { type: ["container"], label: ownerFilter(owner), event: ["die", "destroy", "stop", "health_status", "start"] } })
      .then((s) => {
        stream = s as typeof stream;
        if (closed) return stream?.destroy?.();
        const lines = new EventLines(this.name);
        s.on("data", (chunk: Buffer) => {
          for (const e of lines.push(chunk.toString())) onEvent(e);
        });
        s.on("end", () => !closed && onEnd());
        s.on("error", (err: Error) => !closed && onEnd(err));
        onOpen?.();
      })
      .catch((err: Error) => !closed && onEnd(err));
    return {
      close: () => {
        closed = true;
        stream?.destroy?.();
      },
    };
  }
}

/**
 * A HEALTHCHECK's `Test` as the engine stores it, as a command to exec:
 * `["CMD-SHELL", "x"]` runs `x` in the image's shell, `["CMD", …]` the
 * arguments as they are; `["NONE"]`, an empty test or none gives undefined.
 *
 * @example healthTestCommand(["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/healthz || exit 1"]) // ["/bin/sh", "-c", "wget …"]
 */
export function healthTestCommand(test: readonly string[] | undefined): readonly string[] | undefined {
  const [kind, ...rest] = test ?? [];
  if (kind === "CMD-SHELL" && rest[0]) return ["/bin/sh", "-c", rest[0]];
  if (kind === "CMD" && rest.length > 0) return rest;
  return undefined;
}
