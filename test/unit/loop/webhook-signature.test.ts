import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { validSignature } from "../../../reconciler/loop/webhook-signature.ts";

describe("validSignature (X-Hub-Signature-256 of POST /hooks/git)", function () {
  const secret = "s3cret";
  const body = JSON.stringify({ ref: "refs/heads/main" });
  const sign = (key: string, text: string) => `sha256=${createHmac("sha256", key).update(text).digest("hex")}`;

  it("accepts the HMAC-SHA256 of the body under the secret, as GitHub and Gitea send it", function () {
    assert.equal(validSignature(secret, body, sign(secret, body)), true);
    assert.equal(validSignature(secret, Buffer.from(body), sign(secret, body)), true);
  });

  const refused: [string, string | undefined][] = [
    ["no header", undefined],
    ["another secret", sign("other", body)],
    ["another body", sign(secret, `${body} `)],
    ["the sha1 header format", `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`],
    ["a truncated digest", sign(secret, body).slice(0, 40)],
    ["not hex", "sha256=zz"],
    ["empty", ""],
  ];
  for (const [name, header] of refused) {
    it(`refuses ${name}`, function () {
      assert.equal(validSignature(secret, body, header), false);
    });
  }
});
