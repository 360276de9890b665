/**
 * HTTP hardening benchmark: what a flood of unsigned webhook uploads and a
 * slow-drip body cost the daemon's HTTP face, run in a child process
 * (bench/webhook-flood-server.ts) whose RSS is sampled from /proc/PID/status.
 * The child runs as the daemon ships: compiled by tsc (into
 * node_modules/.cache/) and run on plain node, because tsx's loader thread
 * alone adds about 30 MiB of RSS that `berth` from dist/ does not have.
 *
 *   npx tsx bench/webhook-flood.ts [clients=20] [uploads-per-client=3]
 *
 * 1. `clients` clients each upload `uploads-per-client` bodies of 25 MiB
 *    (the cap, so they are read to the end) with a bogus
 *    X-Hub-Signature-256, back to back, as fast as loopback allows.
 * 2. A client sends a webhook's headers, then its body at 1 byte per 5 s.
 * 3. A correctly signed webhook.
 *
 * Targets: peak RSS ≤ 150 MB during the flood (it was 586 MiB when bodies
 * were buffered before the HMAC check); the drip cut ≤ 30 s; the signed
 * webhook accepted (202).
 */
import { execFileSync, spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { WEBHOOK_MAX_BYTES, WEBHOOK_MAX_IN_FLIGHT } from "../reconciler/loop/http-server.ts";

const clients = Number(process.argv[2] ?? 20);
const uploads = Number(process.argv[3] ?? 3);
const MiB = 2 ** 20;
const SECRET = randomBytes(16).toString("hex");
const BOGUS = `sha256=${"0".repeat(64)}`;
const DRIP_MS = 5_000;

const root = fileURLToPath(new URL("..", import.meta.url));
const out = path.join(root, "node_modules/.cache/berth-bench-http");
const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin/tsc");
// The options of tsconfig.json that shape emitted code; only the entry's imports are compiled.
const tscFlags = ["--ignoreConfig", "--module", "nodenext", "--target", "es2022", "--rewriteRelativeImportExtensions", "--allowImportingTsExtensions", "--verbatimModuleSyntax", "--skipLibCheck", "--types", "node"];
execFileSync(process.execPath, [tsc, ...tscFlags, "--rootDir", root, "--outDir", out, path.join(root, "bench/webhook-flood-server.ts")], { stdio: "inherit" });
const child = spawn(process.execPath, [path.join(out, "bench/webhook-flood-server.js")], {
  env: { ...process.env, BENCH_WEBHOOK_SECRET: SECRET },
  stdio: ["ignore", "pipe", "inherit"],
});
const port = await new Promise<number>((resolve, reject) => {
  let out = "";
  child.stdout.on("data", (d) => {
    out += d.toString();
    if (out.includes("\n")) resolve(Number(out.split("\n")[0]));
  });
  child.once("exit", (code) => reject(new Error(`bench/webhook-flood-server.ts exited with ${code} before listening`)));
});

/** VmRSS of the child, in bytes. */
function rss(): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
  return Number(m![1]) * 1024;
}
let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, rss())), 10);
await new Promise((r) => setTimeout(r, 500));
const idle = rss();

/** One upload of `bytes` bytes with a bogus signature: the status the server answered, or the socket error that ended it. */
function upload(bytes: number): Promise<string> {
  const chunk = Buffer.alloc(MiB, 120);
  return new Promise((resolve) => {
    let outcome: string | undefined;
    const settle = (o: string) => {
      if (outcome !== undefined) return;
      outcome = o;
      resolve(o);
    };
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/hooks/git", agent: false, headers: { "content-length": bytes, "x-hub-signature-256": BOGUS } });
    req.on("response", (res) => {
      res.resume();
      settle(String(res.statusCode));
      req.destroy();
    });
    req.on("error", (err: NodeJS.ErrnoException) => settle(err.code ?? err.message));
    let sent = 0;
    const write = () => {
      while (sent < bytes && outcome === undefined) {
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once("drain", write);
      }
      if (outcome === undefined) req.end();
    };
    write();
  });
}

const floodStart = performance.now();
peak = 0;
const outcomes = (await Promise.all(Array.from({ length: clients }, async () => {
  const mine: string[] = [];
  for (let i = 0; i < uploads; i++) mine.push(await upload(WEBHOOK_MAX_BYTES));
  return mine;
}))).flat();
const floodMs = performance.now() - floodStart;
const floodPeak = peak;
const tally = new Map<string, number>();
for (const o of outcomes) tally.set(o, (tally.get(o) ?? 0) + 1);

/** A webhook whose body comes 1 byte per `DRIP_MS`: when the server cut it, and the first line it answered. */
const drip = await new Promise<{ ms: number; reply: string }>((resolve) => {
  const t0 = performance.now();
  const socket = net.connect(port, "127.0.0.1", () => socket.write(`POST /hooks/git HTTP/1.1\r\nhost: 127.0.0.1\r\nx-hub-signature-256: ${BOGUS}\r\ncontent-length: 1000\r\n\r\n`));
  let reply = "";
  const timer = setInterval(() => socket.writable && socket.write("x"), DRIP_MS);
  socket.on("data", (d) => (reply += d.toString()));
  socket.on("error", () => undefined);
  socket.on("close", () => {
    clearInterval(timer);
    resolve({ ms: performance.now() - t0, reply: reply.split("\r\n")[0] || "(nothing)" });
  });
});

const body = JSON.stringify({ ref: "refs/heads/main" });
const signed = await fetch(`http://127.0.0.1:${port}/hooks/git`, { method: "POST", body, headers: { "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}` } });

clearInterval(sampler);
child.kill("SIGTERM");

const mib = (b: number) => `${(b / MiB).toFixed(0)} MiB`;
const count = [...tally].sort((a, b) => b[1] - a[1]).map(([o, n]) => `${n} × ${/^\d+$/.test(o) ? `HTTP ${o}` : o}`).join(", ");
const sentMiB = (outcomes.length * WEBHOOK_MAX_BYTES) / MiB;
console.log(`webhook flood against berth's HTTP app in a child process (caps: ${WEBHOOK_MAX_BYTES / MiB} MiB a body, ${WEBHOOK_MAX_IN_FLIGHT} bodies at once):`);
console.log(`  flood: ${clients} clients × ${uploads} unsigned uploads of ${WEBHOOK_MAX_BYTES.toLocaleString("en")} bytes (bogus X-Hub-Signature-256) in ${(floodMs / 1000).toFixed(1)} s: ${count}`);
console.log(`    (401 = read to the end and refused; 503 = over the in-flight cap, turned away unread; ${sentMiB.toLocaleString("en")} MiB offered)`);
console.log(`  RSS: ${mib(idle)} idle, peak ${mib(floodPeak)} (${(floodPeak / 1e6).toFixed(0)} MB) during the flood — target ≤ 150 MB: ${floodPeak <= 150e6 ? "met" : "not met"}`);
console.log(`  slow drip (1 byte per ${DRIP_MS / 1000} s): cut after ${(drip.ms / 1000).toFixed(1)} s, answered "${drip.reply}" — target ≤ 30 s: ${drip.ms <= 30_000 ? "met" : "not met"}`);
console.log(`  signed webhook afterwards: HTTP ${signed.status} — target 202: ${signed.status === 202 ? "met" : "not met"}`);
