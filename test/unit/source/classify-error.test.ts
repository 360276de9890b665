/**
 * How failures talking to a remote become berth's errors: the loop's
 * "retry later" vs "needs a human" rests on this table.
 */
import assert from "node:assert/strict";
import { classifyOrUnreachable, classifyRemoteError, maskSecrets, type ErrorContext } from "../../../reconciler/source/classify-error.ts";
import { CredentialsRefusedError, NotARepositoryError, RefNotFoundError, RemoteUnreachableError } from "../../../reconciler/source/errors.ts";

const ctx: ErrorContext = { url: "https://git.example/fleet.git", ref: "main", hadCredentials: true, secrets: ["s3cret-token"] };

/** An error shaped like isomorphic-git's (a `code`, and `data.statusCode` for HTTP errors). */
function igit(code: string, data?: object): Error {
  return Object.assign(new Error(`isomorphic-git ${code}`), { code, ...(data ? { data } : {}) });
}

describe("classifyRemoteError", function () {
  const cases: { name: string; err: unknown; ctx?: ErrorContext; kind: (new (...a: never[]) => Error) | undefined; reaction?: string; says?: RegExp }[] = [
    { name: "a cancelled login (onAuth gave up)", err: igit("UserCanceledError"), kind: CredentialsRefusedError, reaction: "stalled" },
    { name: "HTTP 401", err: igit("HttpError", { statusCode: 401, statusMessage: "Unauthorized" }), kind: CredentialsRefusedError, reaction: "stalled" },
    { name: "HTTP 403", err: igit("HttpError", { statusCode: 403 }), kind: CredentialsRefusedError, reaction: "stalled" },
    { name: "HTTP 404", err: igit("HttpError", { statusCode: 404 }), kind: NotARepositoryError, reaction: "stalled", says: /answered 404/ },
    { name: "a ref the remote lacks", err: igit("NotFoundError"), kind: RefNotFoundError, reaction: "stalled", says: /"main"/ },
    { name: "NotFoundError without a ref in question (a local object: cache damage)", err: igit("NotFoundError"), ctx: { ...ctx, ref: undefined } as ErrorContext, kind: undefined },
    { name: "connection refused", err: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), kind: RemoteUnreachableError, reaction: "retry", says: /ECONNREFUSED/ },
    { name: "DNS failure", err: Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" }), kind: RemoteUnreachableError, reaction: "retry" },
    { name: "a network code on the cause", err: Object.assign(new Error("fetch failed"), { cause: { code: "ECONNRESET" } }), kind: RemoteUnreachableError, reaction: "retry" },
    { name: "a request timeout", err: new Error("Request timed out"), kind: RemoteUnreachableError, reaction: "retry", says: /timed out/ },
    { name: "HTTP 500", err: igit("HttpError", { statusCode: 500, statusMessage: "Internal Server Error" }), kind: RemoteUnreachableError, reaction: "retry", says: /HTTP 500 Internal Server Error/ },
    { name: "HTTP 503", err: igit("HttpError", { statusCode: 503 }), kind: RemoteUnreachableError, reaction: "retry" },
    { name: "HTTP 429", err: igit("HttpError", { statusCode: 429 }), kind: RemoteUnreachableError, reaction: "retry" },
    { name: "a broken pack in the cache", err: new Error("Invalid packfile"), kind: undefined },
  ];
  for (const c of cases) {
    it(c.name, function () {
      const got = classifyRemoteError(c.err, c.ctx ?? ctx);
      if (!c.kind) return assert.equal(got, undefined);
      assert.ok(got instanceof c.kind, `got ${got?.constructor.name}`);
      assert.equal(got.reaction, c.reaction);
      assert.ok(got.message.includes(ctx.url));
      if (c.says) assert.match(got.message, c.says);
    });
  }

  it("passes berth's own errors through unchanged", function () {
    const own = new RefNotFoundError({ url: ctx.url, ref: "x" });
    assert.equal(classifyRemoteError(own, ctx), own);
  });

  it("says which credentials were refused, or that there were none", function () {
    assert.match(classifyOrUnreachable(igit("UserCanceledError"), ctx).message, /refused the credentials from BERTH_GIT_TOKEN/);
    assert.match(classifyOrUnreachable(igit("UserCanceledError"), { ...ctx, hadCredentials: false }).message, /without credentials; set BERTH_GIT_TOKEN/);
  });
});

describe("classifyOrUnreachable", function () {
  it("makes an unknown failure retryable and masks every secret in its message", function () {
    const err = classifyOrUnreachable(new Error("server said: bad token s3cret-token for s3cret-token"), ctx);
    assert.ok(err instanceof RemoteUnreachableError);
    assert.equal(err.message.includes("s3cret-token"), false);
    assert.match(err.message, /bad token \*\*\* for \*\*\*/);
  });
});

describe("maskSecrets", function () {
  const cases: { text: string; secrets: string[]; want: string }[] = [
    { text: "a tok b tok", secrets: ["tok"], want: "a *** b ***" },
    { text: "nothing here", secrets: ["tok"], want: "nothing here" },
    { text: "empty secrets are ignored", secrets: [""], want: "empty secrets are ignored" },
    { text: "p%40ss and p@ss", secrets: ["p@ss", "p%40ss"], want: "*** and ***" },
  ];
  for (const c of cases) it(JSON.stringify(c.text), () => assert.equal(maskSecrets(c.text, c.secrets), c.want));
});
