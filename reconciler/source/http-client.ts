/**
 * The HTTP client handed to isomorphic-git: its Node client, plus a
 * keep-alive agent (polls reuse one connection; for https that saves a TLS
 * handshake each time) and a socket timeout, so a remote that stops
 * answering fails the poll instead of hanging the loop.
 */
import http from "node:http";
import https from "node:https";
import type { GitHttpRequest, GitHttpResponse, HttpClient } from "isomorphic-git";
import nodeHttp from "isomorphic-git/http/node";

/** Default time a request may sit without any byte moving. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Errors of a kept-alive socket that the server closed just as it was reused. */
const STALE_SOCKET = new Set(["ECONNRESET", "EPIPE"]);

/** An isomorphic-git HTTP client whose requests time out after `timeoutMs` of silence. */
export function createHttpClient(timeoutMs: number = DEFAULT_TIMEOUT_MS): HttpClient {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const send = (req: GitHttpRequest): Promise<GitHttpResponse> =>
    nodeHttp.request({
      ...req,
      agent: req.url.startsWith("https:") ? agents.https : agents.http,
      // simple-get (under isomorphic-git's client) passes this to http.request and fails with "Request timed out".
      fetchOptions: { ...req.fetchOptions, timeout: timeoutMs },
    });
  return {
    request: async (req) => {
      try {
        return await send(req);
      } catch (err) {
        // A GET (the ref advertisement) is safe to repeat once on a fresh socket;
        // without this a server's idle-connection close would look like an outage.
        const code = (err as { code?: string }).code;
        if ((req.method ?? "GET") !== "GET" || !code || !STALE_SOCKET.has(code)) throw err;
        return send(req);
      }
    },
  };
}
