/**
 * How an SSH engine's failures read and how the loop reacts, from the
 * errors ssh2 raises: a refused host key or an unusable key file stalls
 * (the operator must act), a refused login, a handshake timeout or a
 * remote dial-stdio that ends at once is retried as an unreachable host.
 */
import assert from "node:assert/strict";
import { sshFailure } from "../../../reconciler/docker/ssh-failure.ts";

const target = "berth@127.0.0.1:2222";
const err = (message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), extra);

describe("ssh failures", function () {
  const cases: { name: string; err: unknown; refusal?: string; kind?: "refused" | "unreachable"; says?: RegExp }[] = [
    { name: "host key refused: the verifier's reason", err: err("Host denied (verification failed)", { level: "handshake" }), refusal: "the SSH host key of [127.0.0.1]:2222 (ssh-ed25519 SHA256:x) is not in /kh", kind: "refused", says: /^the SSH host key of \[127\.0\.0\.1\]:2222 \(ssh-ed25519 SHA256:x\) is not in \/kh$/ },
    { name: "encrypted key file", err: err("Cannot parse privateKey: Encrypted private OpenSSH key detected, but no passphrase given"), kind: "refused", says: /load.*ssh-agent \(ssh-add\)/ },
    { name: "login refused", err: err("All configured authentication methods failed", { level: "client-authentication" }), kind: "unreachable", says: /^SSH login as berth@127\.0\.0\.1:2222 was refused: no offered key is authorized/ },
    { name: "handshake timeout", err: err("Timed out while waiting for handshake", { level: "client-timeout" }), kind: "unreachable", says: /no SSH handshake with berth@127\.0\.0\.1:2222 in time/ },
    { name: "dial-stdio ended", err: err("socket hang up", { code: "ECONNRESET" }), kind: "unreachable", says: /docker system dial-stdio/ },
    { name: "connection refused is left to the common path", err: err("connect ECONNREFUSED 127.0.0.1:2222", { code: "ECONNREFUSED", level: "client-socket" }) },
    { name: "an engine's own error is not an SSH failure", err: err("No such image"), },
  ];
  for (const c of cases) {
    it(c.name, function () {
      const got = sshFailure(c.err, target, c.refusal);
      assert.equal(got?.kind, c.kind);
      if (got && c.says) assert.match(got.kind === "refused" ? got.reason : got.cause, c.says);
    });
  }
});
