/**
 * Docker credential helpers run as `docker` runs them: real executables
 * (small sh scripts) found on PATH, asked `get` with the server URL on
 * stdin. Their secrets, and whatever they print when they fail, never reach
 * an error message.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CredentialHelperError, helperCredentials } from "../../../reconciler/docker/credential-helper.ts";
import { SECRET, writeHelpers } from "../../support/credential-helpers.ts";

describe("docker: running a credential helper", function () {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "berth-cred-helper-"));
    writeHelpers(dir);
    env = { PATH: `${dir}:${process.env.PATH}` };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const run = (helper: string, serverURL: string, timeoutMs?: number) => helperCredentials({ helper, serverURL, from: "credHelpers in /cfg/config.json", env, ...(timeoutMs ? { timeoutMs } : {}) });

  it("asks `get` with the server URL on stdin, exactly, and returns username and secret", async () => {
    assert.deepEqual(await run("fake", "ghcr.io"), { username: "bot", password: SECRET });
    assert.equal(readFileSync(path.join(dir, "asked"), "utf8"), "ghcr.io");
  });

  it('a Username of "<token>" is an identity token', async () => {
    assert.deepEqual(await run("token", "ghcr.io"), { identitytoken: SECRET });
  });

  it('"credentials not found in native keychain" with exit 1 means no credentials, not an error', async () => {
    assert.equal(await run("fake", "quay.io"), undefined);
  });

  it("the helper gets the reconciler's environment, but none of berth's own BERTH_* secrets", async () => {
    const got = await helperCredentials({ helper: "env", serverURL: "ghcr.io", from: "credsStore", env: { ...env, BERTH_GIT_TOKEN: "git-token", HELPER_SEES: "aws-profile" } });
    assert.deepEqual(got, { username: "u", password: "aws-profile" });
  });

  const failures: { name: string; helper: string; timeoutMs?: number; message: RegExp; reaction: string }[] = [
    {
      name: "a helper that fails says which helper, registry and config, and how to see why",
      helper: "broken",
      message: /^credential helper docker-credential-broken \(credHelpers in \/cfg\/config\.json\) for registry ghcr\.io: it exited with status 3; run `printf %s 'ghcr\.io' \| docker-credential-broken get` to see why$/,
      reaction: "stalled",
    },
    { name: "a helper that is not on PATH", helper: "absent", message: /docker-credential-absent \(.*\) for registry ghcr\.io: docker-credential-absent is not on PATH; install it, or remove it from the config$/, reaction: "stalled" },
    { name: "an answer that is not JSON", helper: "garbage", message: /docker-credential-garbage .*: it did not answer with JSON$/, reaction: "stalled" },
    { name: "a helper name with a slash is not run", helper: "../../bin/sh", message: /"\.\.\/\.\.\/bin\/sh" is not a helper name/, reaction: "stalled" },
    { name: "a helper that does not answer in time is killed, and retried later", helper: "slow", timeoutMs: 300, message: /docker-credential-slow .*: it did not answer within 0\.3 s$/, reaction: "retry" },
  ];
  for (const c of failures) {
    it(c.name, async () => {
      const started = Date.now();
      await assert.rejects(run(c.helper, "ghcr.io", c.timeoutMs), (err: unknown) => {
        assert.ok(err instanceof CredentialHelperError, String(err));
        assert.match(err.message, c.message);
        assert.equal(err.reaction, c.reaction);
        assert.ok(!JSON.stringify({ message: err.message, data: err.data, stack: err.stack }).includes(SECRET), "the helper's output stays out of the error");
        return true;
      });
      if (c.timeoutMs) assert.ok(Date.now() - started < 3000, `killed at the limit, not after the helper's 5 s (${Date.now() - started} ms)`);
    });
  }
});
