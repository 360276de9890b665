/**
 * One request through `git http-backend` (CGI): the request body goes to
 * its stdin (gunzipped when the client compressed it), and its stdout — a
 * CGI header block then the body — becomes the HTTP response.
 *
 * The body is read whole before http-backend starts: http-backend writes
 * its `200` head before it reads its input, so a body found broken midway
 * (bad gzip) could no longer be answered with a 400. The bed's requests
 * are small enough to hold.
 */
import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import zlib from "node:zlib";

export interface CgiHead {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  /** Offset of the first body byte in the buffer the head was read from. */
  readonly bodyStart: number;
}

/**
 * The CGI header block at the start of `buf`, or undefined while it is not
 * complete. Lines end in CRLF or LF (both are allowed by CGI); a `Status:`
 * header sets the HTTP status, 200 by default.
 */
export function parseCgiHead(buf: Buffer): CgiHead | undefined {
  const crlf = buf.indexOf("\r\n\r\n");
  const lf = buf.indexOf("\n\n");
  const [end, sep] = crlf >= 0 && (lf < 0 || crlf < lf) ? [crlf, 4] : lf >= 0 ? [lf, 2] : [-1, 0];
  if (end < 0) return undefined;
  let status = 200;
  const headers: [string, string][] = [];
  for (const line of buf.subarray(0, end).toString("latin1").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    const name = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
    else headers.push([name, value]);
  }
  return { status, headers, bodyStart: end + sep };
}

export interface CgiRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The CGI environment (`GIT_PROJECT_ROOT`, `PATH_INFO`…). */
  readonly env: NodeJS.ProcessEnv;
  /** Called with each response body chunk's size, for the server's counters. */
  readonly onBodyBytes: (n: number) => void;
}

/** The request's body, gunzipped when the client compressed it. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const body = req.headers["content-encoding"] === "gzip" ? req.pipe(zlib.createGunzip()) : req;
    const chunks: Buffer[] = [];
    body.on("data", (c: Buffer) => chunks.push(c));
    body.on("end", () => resolve(Buffer.concat(chunks)));
    body.on("error", reject);
  });
}

/** Runs `git http-backend` for one request; resolves with its stderr once the response has ended. */
export async function runHttpBackend(request: CgiRequest): Promise<string> {
  const { res } = request;
  let body: Buffer;
  try {
    body = await readBody(request.req);
  } catch (err) {
    const why = `bad request body: ${(err as Error).message}`;
    res.writeHead(400, { "content-type": "text/plain" });
    res.end(`${why}\n`);
    return why;
  }
  return runCgi(request, body);
}

function runCgi({ res, env, onBodyBytes }: CgiRequest, body: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const cgi = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    let head: Buffer | undefined = Buffer.alloc(0);
    const fail = (status: number, why: string) => {
      stderr += why;
      if (!res.headersSent) res.writeHead(status, { "content-type": "text/plain" });
      res.end(`${why}\n`);
      cgi.kill("SIGKILL");
    };

    cgi.on("error", (err) => {
      fail(500, `cannot run git http-backend: ${err.message}`);
      resolve(stderr.trim());
    });
    // A client that goes away must not leave a CGI process behind.
    res.on("close", () => {
      if (cgi.exitCode === null && cgi.signalCode === null) cgi.kill("SIGKILL");
    });

    cgi.stdin.on("error", () => undefined); // http-backend may exit before reading everything (e.g. on an error)
    cgi.stdin.end(body);

    cgi.stdout.on("data", (chunk: Buffer) => {
      if (res.writableEnded) return;
      if (!head) {
        onBodyBytes(chunk.length);
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const parsed = parseCgiHead(head);
      if (!parsed) return;
      for (const [name, value] of parsed.headers) res.setHeader(name, value);
      res.writeHead(parsed.status);
      const rest = head.subarray(parsed.bodyStart);
      head = undefined;
      onBodyBytes(rest.length);
      res.write(rest);
    });
    cgi.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    cgi.on("close", (code) => {
      if (!res.writableEnded) {
        if (head) fail(500, `git http-backend exited (${code ?? "signal"}) without a response`);
        else res.end();
      }
      resolve(stderr.trim());
    });
  });
}
