/**
 * The remote git source against the test bed's smart-HTTP server (git
 * http-backend) on a free port of 127.0.0.1, with repositories made by the
 * git CLI. Request counts come from the server's own `/-/stats`.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { RepoFixture, TEST_CREDENTIAL } from "../../../testbed/git-server/repo-fixture.ts";
import { RemoteGitSource, type RemoteSourceOptions } from "../../../reconciler/source/remote-source.ts";
import { CredentialsRefusedError, GitSourceError, NotARepositoryError, RefNotFoundError, RemoteUnreachableError } from "../../../reconciler/source/errors.ts";

const HOST = "apiVersion: berth/v1\nkind: Host\nmetadata:\n  name: h1\nspec:\n  endpoint: unix:///var/run/docker.sock\n";
const GOOD_ENV = { BERTH_GIT_USERNAME: TEST_CREDENTIAL.username, BERTH_GIT_TOKEN: TEST_CREDENTIAL.token };
const REPO = "private/fleet.git";

async function rejection(p: Promise<unknown>): Promise<GitSourceError> {
  const err = await p.then(
    () => assert.fail("expected the call to fail"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof GitSourceError, `expected a GitSourceError, got ${String(err)}`);
  return err;
}

/** A server that answers every request with `status`, or never answers when `status` is undefined. */
async function fakeRemote(status: number | undefined): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    if (status !== undefined) res.writeHead(status).end("no\n");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/fleet.git`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

describe("remote git source over HTTP", function () {
  this.timeout(30_000);
  let fx: RepoFixture;
  let cache: string;
  let first: string;

  beforeEach(async function () {
    fx = new RepoFixture();
    cache = mkdtempSync(path.join(os.tmpdir(), "berth-cache-"));
    first = fx.commit({ "hosts.yaml": HOST, ".github/ci.yaml": "x: 1\n", "README.md": "# fleet\n" }, "first\n\nwith a body");
    fx.git("tag", "v1");
    fx.publish(REPO);
    await fx.serve();
  });

  afterEach(async function () {
    await fx.close();
    rmSync(cache, { recursive: true, force: true });
  });

  const remote = (over: Partial<RemoteSourceOptions> = {}) => new RemoteGitSource({ url: fx.url(REPO), cacheDir: cache, env: GOOD_ENV, ...over });
  const paths = (snap: { files: readonly { path: string }[] }) => snap.files.map((f) => f.path);

  it("follows the default branch and reads the YAML files of its commit with its metadata, skipping hidden folders", async function () {
    const src = remote();
    const r = await src.resolve();
    assert.deepEqual(r, { commit: first, ref: "refs/heads/main" });
    const snap = await src.checkout(r.commit);
    assert.deepEqual(snap.files, [{ path: "hosts.yaml", content: HOST }]);
    assert.equal(snap.commit.sha, first);
    assert.equal(snap.commit.message, "first\n\nwith a body");
    assert.equal(snap.commit.author, "Test <test@example.invalid>");
    assert.equal(snap.commit.time, Number(fx.git("show", "-s", "--format=%ct", first)) * 1000);
  });

  it("follows a default branch that is not main", async function () {
    const trunk = fx.commit({ "trunk.yaml": "a: 1\n" }, "on trunk");
    fx.git("branch", "-M", "main", "trunk");
    fx.publish("trunk.git");
    execFileSync("git", ["--git-dir", fx.bare("trunk.git"), "symbolic-ref", "HEAD", "refs/heads/trunk"]);
    const src = remote({ url: fx.url("trunk.git") });
    assert.deepEqual(await src.resolve(), { commit: trunk, ref: "refs/heads/trunk" });
    assert.deepEqual(paths(await src.checkout(trunk)), ["hosts.yaml", "trunk.yaml"]);
  });

  describe("pins by branch, tag and SHA", function () {
    // History: main: first (v1) → second (v2, annotated) → third; side: first → side.
    const cases: { name: string; ref: (s: Record<string, string>) => string; want: string; files: string[] }[] = [
      { name: "a branch name", ref: () => "main", want: "third", files: ["hosts.yaml", "second.yaml", "third.yaml"] },
      { name: "a full branch ref", ref: () => "refs/heads/side", want: "side", files: ["hosts.yaml", "side.yaml"] },
      { name: "a lightweight tag", ref: () => "v1", want: "first", files: ["hosts.yaml"] },
      { name: "an annotated tag (peeled to its commit)", ref: () => "v2", want: "second", files: ["hosts.yaml", "second.yaml"] },
      { name: "the SHA of the tip", ref: (s) => s["third"]!, want: "third", files: ["hosts.yaml", "second.yaml", "third.yaml"] },
      { name: "the SHA of an older commit", ref: (s) => s["first"]!, want: "first", files: ["hosts.yaml"] },
      { name: "the SHA of a commit on another branch", ref: (s) => s["side"]!, want: "side", files: ["hosts.yaml", "side.yaml"] },
    ];
    for (const c of cases) {
      it(c.name, async function () {
        const shas: Record<string, string> = { first };
        shas["second"] = fx.commit({ "second.yaml": "b: 2\n" }, "second");
        fx.git("tag", "-a", "v2", "-m", "release 2");
        shas["third"] = fx.commit({ "third.yaml": "c: 3\n" }, "third");
        fx.git("checkout", "-q", "-b", "side", first);
        shas["side"] = fx.commit({ "side.yaml": "d: 4\n", "second.yaml": null, "third.yaml": null }, "side");
        fx.git("checkout", "-q", "main");
        fx.publish(REPO);
        const src = remote({ ref: c.ref(shas) });
        const r = await src.resolve();
        assert.equal(r.commit, shas[c.want]);
        const snap = await src.checkout(r.commit);
        assert.equal(snap.commit.sha, shas[c.want]);
        assert.deepEqual(paths(snap), c.files);
      });
    }
  });

  it("reads only the files under --path, with paths relative to the repository root", async function () {
    const sha = fx.commit({ "deploy/web.yaml": "w: 1\n", "deploy/sub/api.yml": "a: 1\n", "deploy/.hidden/x.yaml": "h: 1\n", "deployment/not.yaml": "n: 1\n" }, "deploy");
    fx.publish(REPO);
    const snap = await remote({ subPath: "./deploy/" }).checkout(sha);
    assert.deepEqual(paths(snap), ["deploy/sub/api.yml", "deploy/web.yaml"]);
  });

  it("sees a new commit on the next poll", async function () {
    const src = remote();
    await src.checkout((await src.resolve()).commit);
    const second = fx.commit({ "services/api.yaml": "kind: Service\n" }, "second");
    fx.publish(REPO);
    const r = await src.resolve();
    assert.equal(r.commit, second);
    assert.deepEqual(paths(await src.checkout(r.commit)), ["hosts.yaml", "services/api.yaml"]);
    // The fetch (with prune) keeps the last good commit recorded in the cache.
    assert.equal((await remote().lastGood())?.commit, second);
  });

  it("reads an older commit of the followed branch that a shallow fetch does not bring", async function () {
    fx.commit({ "services/api.yaml": "kind: Service\n" }, "second");
    fx.publish(REPO);
    const src = remote();
    assert.notEqual((await src.resolve()).commit, first);
    const snap = await src.checkout(first);
    assert.equal(snap.commit.sha, first);
    assert.deepEqual(paths(snap), ["hosts.yaml"]);
  });

  it("a poll that finds nothing new makes one request and downloads no objects", async function () {
    const src = remote();
    await src.checkout((await src.resolve()).commit);
    fx.server!.resetStats();
    const r = await src.resolve();
    await src.checkout(r.commit);
    const stats = fx.server!.stats();
    assert.equal(stats.total.requests, 1, JSON.stringify(stats));
    assert.equal(stats.byRepo[REPO]?.["info/refs?service=git-upload-pack"]?.requests, 1);
    assert.equal(stats.byService["git-upload-pack"], undefined, "no pack was downloaded");
  });

  it("a restarted source reuses the cache: the cached commit is read without downloading a pack", async function () {
    const commit = (await remote().resolve()).commit;
    await remote().checkout(commit);
    fx.server!.resetStats();
    const again = remote();
    assert.deepEqual(paths(await again.checkout((await again.resolve()).commit)), ["hosts.yaml"]);
    assert.equal(fx.server!.stats().byService["git-upload-pack"], undefined);
  });

  it("follows a force-pushed branch", async function () {
    const src = remote();
    await src.checkout((await src.resolve()).commit);
    fx.commit({ "gone.yaml": "g: 1\n" }, "will be rewritten");
    fx.publish(REPO);
    await src.checkout((await src.resolve()).commit);
    fx.git("reset", "-q", "--hard", first);
    const rewritten = fx.commit({ "new.yaml": "n: 1\n" }, "rewritten");
    fx.publish(REPO);
    const r = await src.resolve();
    assert.equal(r.commit, rewritten);
    const snap = await src.checkout(r.commit);
    assert.equal(snap.commit.message, "rewritten");
    assert.deepEqual(paths(snap), ["hosts.yaml", "new.yaml"]);
  });

  it("reads a public repository without credentials", async function () {
    fx.publish("public.git");
    const src = remote({ url: fx.url("public.git"), env: {} });
    assert.deepEqual(paths(await src.checkout((await src.resolve()).commit)), ["hosts.yaml"]);
  });

  describe("refused credentials need a human, stop after one request, and never show the secret", function () {
    const secret = "very-secret-wrong-token-42";
    const cases: { name: string; env: NodeJS.ProcessEnv; inUrl?: boolean; hadCredentials: boolean; says: RegExp }[] = [
      { name: "a wrong token", env: { BERTH_GIT_USERNAME: "berth", BERTH_GIT_TOKEN: secret }, hadCredentials: true, says: /refused the credentials from BERTH_GIT_TOKEN/ },
      { name: "a wrong password", env: { BERTH_GIT_USERNAME: "berth", BERTH_GIT_PASSWORD: secret }, hadCredentials: true, says: /refused the credentials/ },
      { name: "a wrong password in the URL", env: {}, inUrl: true, hadCredentials: true, says: /refused the credentials/ },
      { name: "no credentials at all", env: {}, hadCredentials: false, says: /refused access without credentials; set BERTH_GIT_TOKEN/ },
    ];
    for (const c of cases) {
      it(c.name, async function () {
        const url = c.inUrl ? fx.url(REPO).replace("http://", `http://berth:${secret}@`) : fx.url(REPO);
        const src = remote({ url, env: c.env });
        fx.server!.resetStats();
        const err = await rejection(src.resolve());
        assert.ok(err instanceof CredentialsRefusedError, err.message);
        assert.equal(err.reaction, "stalled");
        assert.equal(err.data.hadCredentials, c.hadCredentials);
        assert.match(err.message, c.says);
        assert.ok(err.message.startsWith(`git remote ${fx.url(REPO)} refused`), err.message);
        for (const text of [err.message, JSON.stringify(err.data), String(err.stack), src.identity]) assert.ok(!text.includes(secret), `secret in: ${text}`);
        assert.equal(fx.server!.stats().total.requests, 1, "one attempt, no retry loop");
        // checkout (fetch) is refused the same way.
        assert.ok((await rejection(src.checkout(first))) instanceof CredentialsRefusedError);
      });
    }
  });

  it("an unreachable remote is retryable, and the last good commit stays in use, also after a restart", async function () {
    const src = remote();
    const good = (await src.resolve()).commit;
    await src.checkout(good);
    await fx.server!.close();
    const err = await rejection(src.resolve());
    assert.ok(err instanceof RemoteUnreachableError, err.message);
    assert.equal(err.reaction, "retry");
    assert.match(err.message, /ECONNREFUSED.*berth will retry; the last good commit stays in use/);
    assert.deepEqual(await src.lastGood(), { commit: good, ref: "refs/heads/main" });
    assert.deepEqual(paths(await src.checkout(good)), ["hosts.yaml"]);
    // A new process finds the last good commit in the cache and reads it offline.
    const restarted = remote();
    assert.equal((await restarted.lastGood())?.commit, good);
    assert.deepEqual(paths(await restarted.checkout(good)), ["hosts.yaml"]);
  });

  it("has no last good commit before any checkout", async function () {
    assert.equal(await remote().lastGood(), undefined);
  });

  const failing: { name: string; status: number | undefined; error: abstract new (...a: never[]) => GitSourceError; reaction: string; says: RegExp }[] = [
    { name: "a server error (503) is retryable", status: 503, error: RemoteUnreachableError, reaction: "retry", says: /HTTP 503/ },
    { name: "a remote that never answers times out, retryable", status: undefined, error: RemoteUnreachableError, reaction: "retry", says: /timed out/ },
    { name: "a URL with no repository (404) needs a human", status: 404, error: NotARepositoryError, reaction: "stalled", says: /is not a git repository \(the server answered 404/ },
  ];
  for (const c of failing) {
    it(c.name, async function () {
      const fake = await fakeRemote(c.status);
      try {
        const t0 = Date.now();
        const err = await rejection(remote({ url: fake.url, timeoutMs: 300 }).resolve());
        assert.ok(err instanceof c.error, err.message);
        assert.equal(err.reaction, c.reaction);
        assert.match(err.message, c.says);
        assert.ok(Date.now() - t0 < 5000, "failed promptly");
      } finally {
        await fake.close();
      }
    });
  }

  it("a ref deleted on the remote needs a human; the last good commit is kept", async function () {
    fx.git("branch", "release");
    fx.publish(REPO);
    const src = remote({ ref: "release" });
    const good = (await src.resolve()).commit;
    await src.checkout(good);
    execFileSync("git", ["--git-dir", fx.bare(REPO), "branch", "-D", "release"]);
    const err = await rejection(src.resolve());
    assert.ok(err instanceof RefNotFoundError, err.message);
    assert.equal(err.reaction, "stalled");
    assert.match(err.message, /has no branch, tag or commit "release"/);
    assert.equal((await src.lastGood())?.commit, good);
  });

  it("a pinned SHA the remote does not have needs a human", async function () {
    const missing = "0123456789abcdef0123456789abcdef01234567";
    const err = await rejection(remote({ ref: missing }).checkout(missing));
    assert.ok(err instanceof RefNotFoundError, err.message);
    assert.equal(err.reaction, "stalled");
  });

  describe("rebuilds a corrupt cache with a fresh clone", function () {
    const damage: { name: string; harm: (gitdir: string) => void }[] = [
      {
        name: "packs overwritten with garbage",
        harm: (gitdir) => {
          const packs = path.join(gitdir, "objects", "pack");
          const files = readdirSync(packs);
          assert.ok(files.length > 0, "the cache holds a pack");
          for (const f of files) writeFileSync(path.join(packs, f), "not a pack");
        },
      },
      { name: "objects folder deleted", harm: (gitdir) => rmSync(path.join(gitdir, "objects"), { recursive: true }) },
      { name: "HEAD and config deleted", harm: (gitdir) => ["HEAD", "config"].forEach((f) => rmSync(path.join(gitdir, f))) },
      { name: "shallow file garbled", harm: (gitdir) => writeFileSync(path.join(gitdir, "shallow"), "garbage\n") },
    ];
    for (const c of damage) {
      it(c.name, async function () {
        const src = remote();
        const commit = (await src.resolve()).commit;
        await src.checkout(commit);
        c.harm(src.gitdir);
        // A new source instance, as after a restart: nothing memoised.
        const again = remote();
        assert.deepEqual(paths(await again.checkout((await again.resolve()).commit)), ["hosts.yaml"]);
        const packs = path.join(src.gitdir, "objects", "pack");
        for (const f of readdirSync(packs)) assert.notEqual(readFileSync(path.join(packs, f), "utf8"), "not a pack", `${f} was rebuilt`);
      });
    }
  });
});
