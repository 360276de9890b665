/**
 * The test bed's git server, driven by the git CLI and plain HTTP: what it
 * serves, whom it lets in, what it counts, and its command-line entry.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn } from "node:child_process";
import { promisify } from "node:util";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { RepoFixture, TEST_CREDENTIAL } from "../../../testbed/git-server/repo-fixture.ts";
import type { GitServerStats } from "../../../testbed/git-server/server.ts";

const auth = (user: string, token: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${token}`).toString("base64")}` });
const GOOD = auth(TEST_CREDENTIAL.username, TEST_CREDENTIAL.token);
const repoRoot = path.resolve(import.meta.dirname, "../../..");
/** The git CLI, run without blocking: the server under test lives in this process. */
const gitAsync = async (cwd: string, ...args: string[]) =>
  (await promisify(execFile)("git", ["-c", "user.name=T", "-c", "user.email=t@e.invalid", ...args], { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } })).stdout.trim();

describe("test bed git server", function () {
  this.timeout(20_000);
  let fx: RepoFixture;
  let head: string;
  const lines: string[] = [];

  beforeEach(async function () {
    fx = new RepoFixture();
    head = fx.commit({ "a.yaml": "a: 1\n" }, "first");
    fx.publish("public.git");
    fx.publish("private/fleet.git");
    lines.length = 0;
    await fx.serve((l) => lines.push(l));
  });

  afterEach(async function () {
    await fx.close();
  });

  const cases: { name: string; path: string; headers?: Record<string, string>; status: number; challenge?: boolean }[] = [
    { name: "a public repository without credentials", path: "/public.git/info/refs?service=git-upload-pack", status: 200 },
    { name: "a private repository without credentials", path: "/private/fleet.git/info/refs?service=git-upload-pack", status: 401, challenge: true },
    { name: "a private repository with a wrong token", path: "/private/fleet.git/info/refs?service=git-upload-pack", headers: auth("berth", "wrong"), status: 401, challenge: true },
    { name: "a private repository with an unknown user", path: "/private/fleet.git/info/refs?service=git-upload-pack", headers: auth("eve", TEST_CREDENTIAL.token), status: 401, challenge: true },
    { name: "a private repository with the right token", path: "/private/fleet.git/info/refs?service=git-upload-pack", headers: GOOD, status: 200 },
    { name: "a push advertisement without credentials", path: "/public.git/info/refs?service=git-receive-pack", status: 401, challenge: true },
    { name: "a push advertisement with credentials", path: "/public.git/info/refs?service=git-receive-pack", headers: GOOD, status: 200 },
    { name: "a missing repository", path: "/nope.git/info/refs?service=git-upload-pack", status: 404 },
    { name: "a path outside the root", path: "/../etc.git/info/refs?service=git-upload-pack", status: 404 },
    { name: "the dumb protocol", path: "/public.git/HEAD", status: 404 },
  ];
  for (const c of cases) {
    it(`answers ${c.status} for ${c.name}`, async function () {
      const res = await fetch(`${fx.server!.url}${c.path}`, { headers: c.headers ?? {} });
      await res.arrayBuffer();
      assert.equal(res.status, c.status);
      assert.equal(res.headers.get("www-authenticate"), c.challenge ? 'Basic realm="berth test bed"' : null);
    });
  }

  it("serves clones over smart HTTP and takes authenticated pushes", async function () {
    const clone = path.join(fx.root, "clone");
    const authed = fx.url("private/fleet.git").replace("http://", `http://${TEST_CREDENTIAL.username}:${TEST_CREDENTIAL.token}@`);
    await gitAsync(fx.root, "clone", "-q", authed, clone);
    writeFileSync(path.join(clone, "b.yaml"), "b: 1\n");
    await gitAsync(clone, "add", "-A");
    await gitAsync(clone, "commit", "-qm", "pushed over http");
    await gitAsync(clone, "push", "-q", "origin", "main");
    assert.equal(execFileSync("git", ["--git-dir", fx.bare("private/fleet.git"), "rev-parse", "main"], { encoding: "utf8" }).trim(), await gitAsync(clone, "rev-parse", "HEAD"));
    // An anonymous push to a public repository is refused.
    await assert.rejects(gitAsync(clone, "push", "-q", fx.url("public.git"), "main"), /401|Authentication failed|could not read Username/);
  });

  it("takes a gzip-compressed upload-pack request", async function () {
    const want = `want ${head} side-band-64k\n`;
    const body = `${(want.length + 4).toString(16).padStart(4, "0")}${want}00000009done\n`;
    const res = await fetch(`${fx.url("public.git")}/git-upload-pack`, {
      method: "POST",
      headers: { "content-type": "application/x-git-upload-pack-request", "content-encoding": "gzip" },
      body: gzipSync(body),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/x-git-upload-pack-result");
    assert.ok(bytes.includes("PACK"), "the response carries a pack");
  });

  it("answers a broken gzip body with 400 instead of hanging", async function () {
    const res = await fetch(`${fx.url("public.git")}/git-upload-pack`, {
      method: "POST",
      headers: { "content-type": "application/x-git-upload-pack-request", "content-encoding": "gzip" },
      body: "this is not gzip",
    });
    await res.arrayBuffer();
    assert.equal(res.status, 400);
  });

  it("counts requests and bytes per repository and service, refused ones included, and resets them", async function () {
    await gitAsync(fx.root, "clone", "-q", fx.url("public.git"), path.join(fx.root, "c1"));
    await (await fetch(`${fx.url("private/fleet.git")}/info/refs?service=git-upload-pack`)).arrayBuffer();
    const stats = (await (await fetch(`${fx.server!.url}/-/stats`)).json()) as GitServerStats;
    const pub = stats.byRepo["public.git"]!;
    assert.equal(pub["info/refs?service=git-upload-pack"]?.requests, 1);
    const packs = pub["git-upload-pack"]!;
    assert.ok(packs.requests >= 1);
    assert.ok(packs.bytesOut > 0);
    assert.equal(stats.byRepo["private/fleet.git"]?.["info/refs?service=git-upload-pack"]?.requests, 1, "the 401 counts");
    assert.equal(stats.total.requests, 2 + packs.requests);
    assert.deepEqual(stats, fx.server!.stats());

    const reset = await fetch(`${fx.server!.url}/-/stats/reset`, { method: "POST" });
    assert.equal(reset.status, 204);
    assert.deepEqual(fx.server!.stats(), { total: { requests: 0, bytesOut: 0 }, byService: {}, byRepo: {} });
  });

  it("logs one line per request, without credentials", async function () {
    await (await fetch(`${fx.url("private/fleet.git")}/info/refs?service=git-upload-pack`, { headers: GOOD })).arrayBuffer();
    await (await fetch(`${fx.url("private/fleet.git")}/info/refs?service=git-upload-pack`, { headers: auth("berth", "wrong") })).arrayBuffer();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(lines.length, 2, lines.join("\n"));
    assert.match(lines[0]!, /^200 GET \/private\/fleet\.git\/info\/refs\?service=git-upload-pack user=berth/);
    assert.match(lines[1]!, /^401 GET .* \(wrong credentials\)$/);
    assert.ok(lines.every((l) => !l.includes(TEST_CREDENTIAL.token)));
  });

  it("runs from the command line until SIGTERM, then exits 0", async function () {
    const creds = path.join(fx.root, "creds.json");
    writeFileSync(creds, JSON.stringify([TEST_CREDENTIAL]));
    const child = spawn(process.execPath, ["--import", "tsx", "testbed/git-server/main.ts", "--root", fx.served, "--host", "127.0.0.1", "--port", "0", "--credentials", creds], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no start line: ${out}`)), 10_000);
        child.stdout.on("data", () => {
          const m = /git server on (http:\/\/\S+),/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]!);
          }
        });
      });
      const res = await fetch(`${url}/public.git/info/refs?service=git-upload-pack`);
      await res.arrayBuffer();
      assert.equal(res.status, 200);
      await new Promise((r) => setTimeout(r, 50));
      assert.match(out, /200 GET \/public\.git\/info\/refs\?service=git-upload-pack/);
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
