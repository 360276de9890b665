/**
 * Credentials from the environment, how they are offered to the remote,
 * and how URLs are shown without them.
 */
import assert from "node:assert/strict";
import { authOptions, credentialsFromEnv } from "../../../reconciler/source/credentials.ts";
import { redactUrl } from "../../../reconciler/source/errors.ts";
import { cacheDirFor } from "../../../reconciler/source/remote-source.ts";

describe("credentialsFromEnv", function () {
  const cases: { name: string; env: NodeJS.ProcessEnv; want: { username: string; password: string } | undefined }[] = [
    { name: "nothing set", env: {}, want: undefined },
    { name: "a token alone", env: { BERTH_GIT_TOKEN: "t" }, want: { username: "x-access-token", password: "t" } },
    { name: "a token with a username", env: { BERTH_GIT_TOKEN: "t", BERTH_GIT_USERNAME: "me" }, want: { username: "me", password: "t" } },
    { name: "username and password", env: { BERTH_GIT_USERNAME: "me", BERTH_GIT_PASSWORD: "pw" }, want: { username: "me", password: "pw" } },
    { name: "the token wins over a password", env: { BERTH_GIT_TOKEN: "t", BERTH_GIT_USERNAME: "me", BERTH_GIT_PASSWORD: "pw" }, want: { username: "me", password: "t" } },
    { name: "a username alone", env: { BERTH_GIT_USERNAME: "me" }, want: undefined },
    { name: "an empty token", env: { BERTH_GIT_TOKEN: "" }, want: undefined },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(credentialsFromEnv(c.env), c.want));
});

describe("authOptions", function () {
  it("sends the credentials with the first request as basic auth", function () {
    const { headers } = authOptions({ username: "me", password: "pw" });
    assert.deepEqual(headers, { Authorization: `Basic ${Buffer.from("me:pw").toString("base64")}` });
  });

  it("sends nothing without credentials", function () {
    assert.deepEqual(authOptions(undefined).headers, {});
  });

  it("cancels instead of offering the same credentials again, so a refusal cannot loop", async function () {
    const { onAuth, onAuthFailure } = authOptions({ username: "me", password: "pw" });
    assert.deepEqual(await onAuth("https://git.example/x.git", {}), { cancel: true });
    assert.deepEqual(await onAuthFailure("https://git.example/x.git", {}), { cancel: true });
  });
});

describe("redactUrl", function () {
  const cases: [string, string][] = [
    ["https://me:s3cret@git.example/fleet.git", "https://git.example/fleet.git"],
    ["https://tok@git.example/fleet.git", "https://git.example/fleet.git"],
    ["https://git.example/fleet.git", "https://git.example/fleet.git"],
    ["http://127.0.0.1:8470/private/fleet.git/", "http://127.0.0.1:8470/private/fleet.git/"],
    ["not a url //user:pw@host/x", "not a url //host/x"],
  ];
  for (const [url, want] of cases) it(want, () => assert.equal(redactUrl(url), want));
});

describe("cacheDirFor", function () {
  it("keys the cache by the URL without credentials", function () {
    assert.equal(cacheDirFor("/c", "https://me:pw@git.example/fleet.git"), cacheDirFor("/c", "https://git.example/fleet.git"));
    assert.notEqual(cacheDirFor("/c", "https://git.example/fleet.git"), cacheDirFor("/c", "https://git.example/other.git"));
    assert.match(cacheDirFor("/c", "https://git.example/fleet.git"), /^\/c\/[0-9a-f]{16}\.git$/);
  });
});
