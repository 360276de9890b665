/**
 * The pure parts of the test bed's git server: which requests it serves,
 * whom it lets in, and how it reads `git http-backend`'s CGI output.
 */
import assert from "node:assert/strict";
import { authenticatedUser, parseCredentials } from "../../../testbed/git-server/basic-auth.ts";
import { parseCgiHead } from "../../../testbed/git-server/cgi-bridge.ts";
import { gitRequestOf, isPush } from "../../../testbed/git-server/git-request.ts";

describe("gitRequestOf", function () {
  const cases: { path: string; query?: string; want: ReturnType<typeof gitRequestOf> }[] = [
    { path: "/fleet.git/info/refs", query: "service=git-upload-pack", want: { repo: "fleet.git", service: "info/refs?service=git-upload-pack" } },
    { path: "/private/fleet.git/info/refs", query: "service=git-receive-pack", want: { repo: "private/fleet.git", service: "info/refs?service=git-receive-pack" } },
    { path: "/private/fleet.git/git-upload-pack", want: { repo: "private/fleet.git", service: "git-upload-pack" } },
    { path: "/a/b/c.git/git-receive-pack", want: { repo: "a/b/c.git", service: "git-receive-pack" } },
    { path: "/fleet.git/info/refs", want: undefined }, // dumb protocol
    { path: "/fleet.git/info/refs", query: "service=git-other", want: undefined },
    { path: "/fleet.git/HEAD", want: undefined },
    { path: "/fleet/info/refs", query: "service=git-upload-pack", want: undefined },
    { path: "/../x.git/git-upload-pack", want: undefined },
    { path: "/a/../x.git/git-upload-pack", want: undefined },
  ];
  for (const c of cases) it(`${c.path}?${c.query ?? ""}`, () => assert.deepEqual(gitRequestOf(c.path, c.query ?? ""), c.want));

  it("knows both halves of a push", function () {
    assert.deepEqual(
      (["info/refs?service=git-upload-pack", "info/refs?service=git-receive-pack", "git-upload-pack", "git-receive-pack"] as const).map(isPush),
      [false, true, false, true],
    );
  });
});

describe("authenticatedUser", function () {
  const creds = [{ username: "berth", token: "t0k" }, { username: "ci", token: "other" }];
  const basic = (s: string) => `Basic ${Buffer.from(s).toString("base64")}`;
  const cases: { name: string; header: string | undefined; want: string | undefined }[] = [
    { name: "the right token", header: basic("berth:t0k"), want: "berth" },
    { name: "the second user", header: basic("ci:other"), want: "ci" },
    { name: "another user's token", header: basic("berth:other"), want: undefined },
    { name: "a wrong token", header: basic("berth:nope"), want: undefined },
    { name: "a token with a colon", header: basic("berth:t0k:x"), want: undefined },
    { name: "no colon", header: basic("berth"), want: undefined },
    { name: "no header", header: undefined, want: undefined },
    { name: "a bearer token", header: "Bearer t0k", want: undefined },
  ];
  for (const c of cases) it(c.name, () => assert.equal(authenticatedUser(c.header, creds), c.want));
});

describe("parseCredentials", function () {
  it("reads a list of users and tokens", function () {
    assert.deepEqual(parseCredentials('[{"username":"a","token":"b","extra":1}]', "c.json"), [{ username: "a", token: "b" }]);
  });
  for (const bad of ['{"username":"a","token":"b"}', '[{"username":"a"}]', '[{"username":"","token":"b"}]', "[null]"]) {
    it(`refuses ${bad}, naming the file`, () => assert.throws(() => parseCredentials(bad, "c.json"), /credentials file "c\.json" must hold/));
  }
});

describe("parseCgiHead", function () {
  /** Where the body starts: after the first blank line, CRLF or LF. */
  const bodyAt = (raw: string) => raw.search(/\r\n\r\n|\n\n/) + (/\r\n\r\n|\n\n/.exec(raw)?.[0].length ?? 0);
  const cases: { name: string; raw: string; want: { status: number; headers: [string, string][] } | undefined }[] = [
    {
      name: "headers with CRLF, default status 200",
      raw: "Content-Type: application/x-git-upload-pack-advertisement\r\nCache-Control: no-cache\r\n\r\nBODY",
      want: { status: 200, headers: [["Content-Type", "application/x-git-upload-pack-advertisement"], ["Cache-Control", "no-cache"]] },
    },
    { name: "a Status header", raw: "Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\n", want: { status: 404, headers: [["Content-Type", "text/plain"]] } },
    { name: "LF-only lines", raw: "Status: 403 Forbidden\nX-A: b\n\nrest", want: { status: 403, headers: [["X-A", "b"]] } },
    { name: "a body that holds a blank line after the head", raw: "X-A: b\r\n\r\nPACK\n\nmore", want: { status: 200, headers: [["X-A", "b"]] } },
    { name: "an incomplete head", raw: "Content-Type: text/plain\r\n", want: undefined },
    { name: "a garbled status", raw: "Status: oops\r\n\r\n", want: { status: 500, headers: [] } },
  ];
  for (const c of cases) {
    it(c.name, function () {
      const got = parseCgiHead(Buffer.from(c.raw, "latin1"));
      assert.deepEqual(got, c.want && { ...c.want, bodyStart: bodyAt(c.raw) });
    });
  }
});
