/**
 * Runs the test bed's git server until SIGTERM (or SIGINT), logging one line
 * per request to stdout:
 *
 *   node --import tsx testbed/git-server/main.ts --root DIR --host 127.0.0.1 --port 8470 --credentials FILE.json
 *
 * FILE.json holds `[{ "username": "berth", "token": "…" }]`.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { parseCredentials } from "./basic-auth.ts";
import { startGitServer } from "./server.ts";

const opts = new Command("git-server")
  .description("git smart-HTTP server for berth's test bed")
  .requiredOption("--root <dir>", "folder of bare repositories")
  .option("--host <addr>", "address to listen on", "127.0.0.1")
  .option("--port <n>", "port to listen on (0: any free port)", "8470")
  .requiredOption("--credentials <file>", "JSON list of {username, token} accepted for private/ repositories and pushes")
  .parse(process.argv)
  .opts<{ root: string; host: string; port: string; credentials: string }>();

const port = Number.parseInt(opts.port, 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`git-server: --port "${opts.port}" is not a port number`);
  process.exit(2);
}
const credentials = parseCredentials(readFileSync(opts.credentials, "utf8"), opts.credentials);
const server = await startGitServer({
  root: opts.root,
  host: opts.host,
  port,
  credentials,
  log: (line) => console.log(`${new Date().toISOString()} ${line}`),
});
console.log(`${new Date().toISOString()} git server on ${server.url}, repositories in ${opts.root}`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${new Date().toISOString()} ${signal}: stopping`);
  void server.close().then(() => process.exit(0));
};
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
