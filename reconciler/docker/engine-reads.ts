/**
 * An observation's reads of one engine (every container, the engine's
 * info) as plain GETs through Node's http, both on one connection: the
 * socket is kept alive between them and closed once neither is pending
 * (issue 16). A tcp engine costs one handshake per observation, TLS
 * included, and the sockets open are bounded by the hosts observed at
 * once, not by the fleet.
 *
 * Not through docker-modem: it formats every request's options for a
 * debug line even when debugging is off (with an agent, the agent and its
 * sockets too) and parses and rebuilds each URL, which at 10,000 hosts was
 * about a second of the observation (3.5 s against 2.4 s for the same
 * 20,000 requests). Everything else berth asks an engine goes through
 * dockerode.
 */
import http from "node:http";
import https from "node:https";

export type ReadTarget =
  | { readonly kind: "unix"; readonly socketPath: string }
  | { readonly kind: "tcp"; readonly host: string; readonly port: number; readonly tls?: { readonly ca?: Buffer; readonly cert: Buffer; readonly key: Buffer } }
  /** An agent that makes its own connections (ssh's dial-stdio) and keeps them as it sees fit. */
  | { readonly kind: "agent"; readonly agent: http.Agent; readonly host: string; readonly port: number };

/** What an engine answered with a status other than 2xx, as docker-modem reports it: the status and the engine's message. */
export class EngineAnswerError extends Error {
  constructor(
    readonly statusCode: number,
    readonly json: { message?: string } | undefined,
  ) {
    super(`(HTTP code ${statusCode}) ${json?.message ?? "unexpected answer"}`);
  }
}

/** How long a read may take, and what it is called in the error when it takes longer. */
export interface ReadDeadline {
  readonly timeoutMs: number;
  readonly what: string;
}

export class EngineReads {
  /** Where reads get their agent: the one given (ssh's), or berth's own, made for the reads pending and dropped after, so 10,000 idle hosts hold none. */
  private readonly agents: { readonly shared: http.Agent } | { readonly make: () => http.Agent };
  private own: http.Agent | undefined;
  private readonly request: typeof http.request;
  private readonly where: http.RequestOptions;
  private pending = 0;

  constructor(target: ReadTarget) {
    if (target.kind === "agent") {
      this.agents = { shared: target.agent };
      this.request = http.request;
      this.where = { host: target.host, port: target.port };
    } else if (target.kind === "unix") {
      this.agents = { make: () => new http.Agent({ keepAlive: true, maxSockets: 1 }) };
      this.request = http.request;
      this.where = { socketPath: target.socketPath };
    } else {
      const tls = target.tls;
      this.agents = { make: tls ? () => new https.Agent({ keepAlive: true, maxSockets: 1, ...(tls.ca ? { ca: tls.ca } : {}), cert: tls.cert, key: tls.key }) : () => new http.Agent({ keepAlive: true, maxSockets: 1 }) };
      this.request = tls ? https.request : http.request;
      this.where = { host: target.host, port: target.port };
    }
  }

  /**
   * GET `path` and parse the JSON answer, giving up `timeoutMs` after it
   * was asked (an `ETIMEDOUT` error naming `what`): the socket is then
   * destroyed, so an engine that never answers holds no descriptor. A
   * timer, not an AbortSignal: an AbortController and the listeners http
   * adds for it were about 0.2 s of CPU over a 10,000-host observation.
   */
  async getJson<T>(path: string, deadline: ReadDeadline): Promise<T> {
    this.pending++;
    const agent = "shared" in this.agents ? this.agents.shared : (this.own ??= this.agents.make());
    try {
      const { status, body } = await this.get(path, agent, deadline);
      const json = body.length > 0 ? (JSON.parse(body.toString("utf8")) as unknown) : undefined;
      if (status < 200 || status >= 300) throw new EngineAnswerError(status, json as { message?: string } | undefined);
      return json as T;
    } finally {
      // The last pending read closes berth's own socket (once the agent has it back): the next observation is seconds to minutes away.
      if (--this.pending === 0 && agent === this.own)
        setImmediate(() => {
          if (this.pending > 0 || this.own !== agent) return;
          agent.destroy();
          this.own = undefined;
        });
    }
  }

  private get(path: string, agent: http.Agent, deadline: ReadDeadline): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = this.request({ ...this.where, path, method: "GET", agent });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy();
      }, deadline.timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(timedOut ? Object.assign(new Error(`${deadline.what} timed out after ${deadline.timeoutMs / 1000} s`), { code: "ETIMEDOUT" }) : err);
      };
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
        });
        res.on("error", fail);
        // Destroyed mid-answer, the response may end with neither `end` nor `error`.
        res.on("aborted", () => fail(new Error("the engine's answer was cut off")));
      });
      req.on("error", fail);
      req.end();
    });
  }
}
