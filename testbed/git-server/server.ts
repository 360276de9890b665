/**
 * The test bed's git server: smart HTTP through `git http-backend` (CGI), as
 * a real remote serves it. Repositories under `private/` need basic auth;
 * pushing always does, and is enabled only for an authenticated user. It
 * counts requests and response bytes per repository and git service, served
 * as JSON at `GET /-/stats` (zeroed by `POST /-/stats/reset`), so tests can
 * prove that a poll that finds nothing new downloads no objects.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { authenticatedUser, type GitCredential } from "./basic-auth.ts";
import { runHttpBackend } from "./cgi-bridge.ts";
import { gitRequestOf, isPush } from "./git-request.ts";
import { countersFor, emptyStats, type GitServerStats } from "./request-stats.ts";

export type { GitCredential } from "./basic-auth.ts";
export type { GitServerStats, Counter } from "./request-stats.ts";

export interface GitServerOptions {
  /** Folder of bare repositories (`<name>.git`, `private/<name>.git`). */
  readonly root: string;
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Accepted for `private/` repositories and for pushes. */
  readonly credentials: readonly GitCredential[];
  /** One line per request (no credentials in it). */
  readonly log?: (line: string) => void;
}

export interface RunningGitServer {
  /** `http://127.0.0.1:<port>`; repositories are at `<url>/<path>.git`. */
  readonly url: string;
  readonly port: number;
  stats(): GitServerStats;
  resetStats(): void;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Starts the git server and resolves once it listens.
 *
 * @example
 * const server = await startGitServer({ root: "/tmp/repos", port: 0, credentials: [{ username: "berth", token: "t" }] });
 * // git clone http://berth:t@127.0.0.1:<port>/private/fleet.git
 */
export function startGitServer(opts: GitServerOptions): Promise<RunningGitServer> {
  let stats = emptyStats();
  const log = opts.log ?? (() => undefined);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://git");
    const method = req.method ?? "GET";
    const done = (note = "") => log(`${res.statusCode} ${method} ${url.pathname}${url.search}${note}`);

    if (url.pathname === "/-/stats" && method === "GET") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(stats));
      return done();
    }
    if (url.pathname === "/-/stats/reset" && method === "POST") {
      stats = emptyStats();
      res.writeHead(204).end();
      return done();
    }
    const target = gitRequestOf(url.pathname, url.search.slice(1));
    if (!target) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not a smart-HTTP git path\n");
      return done();
    }
    // Refused requests count too: a client that needs two round trips to log in pays for both.
    const counters = countersFor(stats, target.repo, target.service);
    for (const c of counters) c.requests++;
    const user = authenticatedUser(req.headers.authorization, opts.credentials);
    const push = isPush(target.service);
    if ((push || target.repo.startsWith("private/")) && !user) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="berth test bed"', "content-type": "text/plain" }).end("authentication required\n");
      return done(` (${req.headers.authorization ? "wrong credentials" : "no credentials"})`);
    }
    void runHttpBackend({
      req,
      res,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        GIT_PROJECT_ROOT: opts.root,
        GIT_HTTP_EXPORT_ALL: "1",
        // Authorisation happened above; http-backend pushes only when told to.
        GIT_CONFIG_COUNT: "1",
        GIT_CONFIG_KEY_0: "http.receivepack",
        GIT_CONFIG_VALUE_0: push && user ? "true" : "false",
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: method,
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        REMOTE_USER: user ?? "",
        REMOTE_ADDR: req.socket.remoteAddress ?? "",
        GIT_HTTP_MAX_REQUEST_BUFFER: "100M",
      },
      onBodyBytes: (n) => {
        for (const c of counters) c.bytesOut += n;
      },
    }).then((stderr) => done(` user=${user ?? "-"}${stderr ? ` stderr=${JSON.stringify(stderr)}` : ""}`));
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      const { port, address } = server.address() as AddressInfo;
      const host = address.includes(":") ? `[${address}]` : address;
      resolve({
        url: `http://${host}:${port}`,
        port,
        stats: () => structuredClone(stats),
        resetStats: () => {
          stats = emptyStats();
        },
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}
