/**
 * `berth validate` without DIR validates HEAD; it must say which fleet files
 * it did not see because their changes are not committed. Guards the bug
 * where it printed "valid" for HEAD and nothing else, so an edit that was
 * never committed looked validated.
 */
import { runCli } from "../../support/capture-cli.ts";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runValidate } from "../../../reconciler/cli/validate.ts";
import { uncommittedFleetFiles } from "../../../reconciler/source/uncommitted-files.ts";
import { BASE, WEB, lines } from "./fleet-files.ts";

/** Runs `fn` in `dir` with stdout and stderr captured. */
const inDir = (dir: string, fn: () => Promise<number>) => runCli(fn, { dir });

describe("berth validate: uncommitted fleet files", () => {
  let repo: string;
  let head: string;
  const git = (...args: string[]): string =>
    execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", ...args], { cwd: repo, encoding: "utf8" }).trim();
  const put = (path: string, content: string): void => {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  };

  beforeEach(() => {
    repo = realpathSync(mkdtempSync(join(tmpdir(), "berth-uncommitted-")));
    git("init", "-q", "-b", "main");
    for (const [path, content] of Object.entries(BASE)) put(path, content);
    put("README.md", "# fleet\n");
    put(".gitignore", "scratch.yaml\n");
    git("add", "-A");
    git("commit", "-qm", "fleet");
    head = git("rev-parse", "HEAD");
  });
  afterEach(() => {
    rmSync(repo, { recursive: true, force: true });
  });

  /** Changes of every kind, to fleet files and to files that are not fleet files. */
  function changeWorkTree(): void {
    put("services/web.yaml", WEB.replace("  replicas: 2", "  replicas: 3")); // modified, not staged
    put("hosts/new.yaml", lines("apiVersion: berth/v1", "kind: Host", "metadata:", "  name: h3", "spec:", "  endpoint: unix:///var/run/docker.sock"));
    git("add", "hosts/new.yaml"); // added, not committed
    put("extra.yml", "# untracked\n");
    unlinkSync(join(repo, "templates/tail.yaml")); // deleted, not committed
    put("README.md", "# fleet, edited\n");
    put(".github/ci.yaml", "on: push\n");
    put("node_modules/pkg/x.yaml", "a: 1\n");
    put("scratch.yaml", "# ignored by git\n");
  }

  it("warns on stderr, naming each fleet file and what to run; the exit code stays validation's", async () => {
    changeWorkTree();
    const r = await inDir(repo, () => runValidate(undefined, { format: "text" }));
    assert.equal(r.err, `berth validate: validated HEAD (${head.slice(0, 12)}); these fleet files have uncommitted changes and were not validated: extra.yml, hosts/new.yaml, services/web.yaml, templates/tail.yaml — commit them, or run \`berth validate .\` to check the files on disk\n`);
    assert.equal(r.code, 0);
    assert.equal(r.out, `file://${repo} at ${head.slice(0, 12)}: valid (2 hosts, 1 service, 0 jobs, 1 template, no policy)\n`);
  });

  it("with --path, names only the fleet files under it, and says to pass --path too", async () => {
    changeWorkTree();
    const r = await inDir(repo, () => runValidate(undefined, { format: "text", path: "services" }));
    assert.equal(r.err, `berth validate: validated HEAD (${head.slice(0, 12)}); these fleet files have uncommitted changes and were not validated: services/web.yaml — commit them, or run \`berth validate . --path services\` to check the files on disk\n`);
    // services/ alone uses a template it does not hold: invalid, and the warning does not change that.
    assert.equal(r.code, 1);
  });

  // Passes on the old code too, as do the three cases below it: they guard against warning when nothing was missed.
  it("says nothing when the work tree matches HEAD", async () => {
    put("README.md", "# fleet, edited\n");
    const r = await inDir(repo, () => runValidate(undefined, { format: "text" }));
    assert.equal(r.err, "");
    assert.equal(r.code, 0);
  });

  const noWarning: { name: string; dir: string | undefined; opts: Record<string, unknown> }[] = [
    { name: "a DIR, which reads the files on disk", dir: ".", opts: {} },
    { name: "--repo, which may name any repository", dir: undefined, opts: { repo: "." } },
    { name: "--ref, which asks for a commit other than the work tree's", dir: undefined, opts: { ref: "main" } },
  ];
  for (const c of noWarning) {
    it(`does not warn when given ${c.name}`, async () => {
      changeWorkTree();
      const r = await inDir(repo, () => runValidate(c.dir, { format: "text", ...c.opts }));
      assert.equal(r.err, "");
    });
  }

  it("uncommittedFleetFiles leaves the index untouched (validate only reads)", async () => {
    changeWorkTree();
    // Same content, newer mtime: isomorphic-git's default would rewrite the index's stat cache for it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    put("hosts.yaml", BASE["hosts.yaml"] ?? "");
    const before = execFileSync("sha256sum", [join(repo, ".git", "index")], { encoding: "utf8" });
    assert.deepEqual(await uncommittedFleetFiles({ dir: repo }), ["extra.yml", "hosts/new.yaml", "services/web.yaml", "templates/tail.yaml"]);
    assert.equal(execFileSync("sha256sum", [join(repo, ".git", "index")], { encoding: "utf8" }), before);
  });
});
