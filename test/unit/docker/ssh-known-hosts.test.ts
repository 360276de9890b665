/**
 * An SSH engine's host key against the operator's known_hosts, read as
 * OpenSSH reads it: plain names, `[host]:port` for other ports than 22,
 * hashed `|1|salt|hash` lines (made by `ssh-keygen -H`), patterns, and a key that differs from the
 * one on record (refused as changed, never trusted). Keys are real ones
 * made by ssh-keygen, and the fingerprints are the ones `ssh-keygen -l`
 * prints for them.
 */
import assert from "node:assert/strict";
import { hostKeyRefusal } from "../../../reconciler/docker/ssh-host-verifier.ts";
import { checkHostKey, fingerprintSha256, hostsFieldMatches, keyTypeOf, knownHostsName, parseKnownHosts } from "../../../reconciler/docker/ssh-known-hosts.ts";

// Two keys from ssh-keygen -t ed25519; `ssh-keygen -lf` printed SHA256:oUJGWycPG45W+ZR5g1JXh/WZitF7mqgZmkpR01uSd/A for A.
const KEY_A = "AAAAC3NzaC1lZDI1NTE5AAAAIN9ax0gkzwFdoaud5n86Wvlq3f18YZVphg2ro8YITP4i";
const KEY_B = "AAAAC3NzaC1lZDI1NTE5AAAAILT7gFkgpKfSchJt89XuERgm2q/XAiEHTkXVE+muFhTs";
const FINGERPRINT_A = "SHA256:oUJGWycPG45W+ZR5g1JXh/WZitF7mqgZmkpR01uSd/A";
const blob = (b64: string) => Buffer.from(b64, "base64");

// `ssh-keygen -H` hashed "[127.0.0.1]:2222" and "example.com" into these.
const HASHED_BED = "|1|Gp1Nw8SOZZJDoQPGrZbng31WHMo=|Pt4y8U+sg1iQliCSFScbrYFAiXY=";
const HASHED_EXAMPLE = "|1|vWfn9bv0py3pPJ5hf8ifnjqj9Gc=|Wa3+q/Vw2h8vvyfnHbbKidQQB7E=";

describe("ssh known_hosts", function () {
  it("fingerprints as ssh-keygen -l does: SHA256 and unpadded base64", function () {
    assert.equal(fingerprintSha256(blob(KEY_A)), FINGERPRINT_A);
  });

  it("reads the key type from the blob", function () {
    assert.equal(keyTypeOf(blob(KEY_A)), "ssh-ed25519");
    assert.equal(keyTypeOf(Buffer.alloc(2)), "unknown");
  });

  it("names port 22 plainly and other ports as [host]:port", function () {
    assert.equal(knownHostsName("example.com", 22), "example.com");
    assert.equal(knownHostsName("127.0.0.1", 2222), "[127.0.0.1]:2222");
  });

  const cases: { name: string; text: string; host: string; port: number; key: string; want: string; line?: number }[] = [
    { name: "plain name on port 22", text: `example.com ssh-ed25519 ${KEY_A}\n`, host: "example.com", port: 22, key: KEY_A, want: "known", line: 1 },
    { name: "[host]:port on another port", text: `# bed\n[127.0.0.1]:2222 ssh-ed25519 ${KEY_A}\n`, host: "127.0.0.1", port: 2222, key: KEY_A, want: "known", line: 2 },
    { name: "a plain entry does not cover another port", text: `127.0.0.1 ssh-ed25519 ${KEY_A}\n`, host: "127.0.0.1", port: 2222, key: KEY_A, want: "unknown" },
    { name: "hashed entry", text: `${HASHED_BED} ssh-ed25519 ${KEY_A}\n`, host: "127.0.0.1", port: 2222, key: KEY_A, want: "known", line: 1 },
    { name: "hashed entry of another host", text: `${HASHED_BED} ssh-ed25519 ${KEY_A}\n`, host: "127.0.0.2", port: 2222, key: KEY_A, want: "unknown" },
    { name: "comma list with a wildcard", text: `web1,*.example.com ssh-ed25519 ${KEY_A}\n`, host: "db.example.com", port: 22, key: KEY_A, want: "known", line: 1 },
    { name: "a negated pattern wins", text: `*.example.com,!db.example.com ssh-ed25519 ${KEY_A}\n`, host: "db.example.com", port: 22, key: KEY_A, want: "unknown" },
    { name: "mismatch: another key of the same type on record", text: `[127.0.0.1]:2222 ssh-ed25519 ${KEY_B}\n`, host: "127.0.0.1", port: 2222, key: KEY_A, want: "changed" },
    { name: "mismatch under a hashed entry", text: `${HASHED_EXAMPLE} ssh-ed25519 ${KEY_B}\n`, host: "example.com", port: 22, key: KEY_A, want: "changed" },
    { name: "the same key under another host name is not this host's", text: `other.example.com ssh-ed25519 ${KEY_A}\n`, host: "example.com", port: 22, key: KEY_A, want: "unknown" },
    { name: "@revoked key", text: `@revoked * ssh-ed25519 ${KEY_A}\nexample.com ssh-ed25519 ${KEY_A}\n`, host: "example.com", port: 22, key: KEY_A, want: "revoked" },
    { name: "empty file", text: "", host: "127.0.0.1", port: 2222, key: KEY_A, want: "unknown" },
  ];
  for (const c of cases) {
    it(c.name, function () {
      const v = checkHostKey(parseKnownHosts(c.text), { host: c.host, port: c.port, key: blob(c.key) });
      assert.equal(v.verdict, c.want);
      if (v.verdict === "known") assert.equal(v.line, c.line);
      if (v.verdict !== "known") assert.equal(v.fingerprint, fingerprintSha256(blob(c.key)));
    });
  }

  it("skips comments, blank, @cert-authority and malformed lines, keeping line numbers", function () {
    const entries = parseKnownHosts(`# c\n\n@cert-authority * ssh-ed25519 ${KEY_B}\nbroken-line\nhost ssh-ed25519 not!base64\nhost ssh-ed25519 ${KEY_A}\n`);
    assert.deepEqual(entries.map((e) => [e.line, e.hosts]), [[6, "host"]]);
  });

  it("matches host patterns case-insensitively, as ssh does", function () {
    assert.equal(hostsFieldMatches("Example.COM", "example.com"), true);
    assert.equal(hostsFieldMatches("web?", "web12"), false);
  });

  it("an unknown key's refusal names the key, the file and the command to trust it after checking", function () {
    const v = checkHostKey([], { host: "127.0.0.1", port: 2222, key: blob(KEY_A) });
    assert.ok(v.verdict === "unknown");
    const text = hostKeyRefusal(v, { host: "127.0.0.1", port: 2222, knownHosts: "/root/.ssh/known_hosts" });
    assert.equal(
      text,
      `the SSH host key of [127.0.0.1]:2222 (ssh-ed25519 ${FINGERPRINT_A}) is not in /root/.ssh/known_hosts, and berth never trusts an unknown key; ` +
        "compare the fingerprint with the one the host's administrator reads there (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then add it: ssh-keyscan -p 2222 -t ssh-ed25519 127.0.0.1 >> /root/.ssh/known_hosts",
    );
  });

  it("a changed key's refusal says it changed, names the old line and how to replace it", function () {
    const v = checkHostKey(parseKnownHosts(`example.com ssh-ed25519 ${KEY_B}\n`), { host: "example.com", port: 22, key: blob(KEY_A) });
    assert.ok(v.verdict === "changed");
    const text = hostKeyRefusal(v, { host: "example.com", port: 22, knownHosts: "/kh" });
    assert.match(text, /has CHANGED: \/kh line 1 holds another ssh-ed25519 key/);
    assert.ok(text.includes(`the host now shows ${FINGERPRINT_A}`));
    assert.ok(text.includes("ssh-keygen -R 'example.com' -f /kh && ssh-keyscan -t ssh-ed25519 example.com >> /kh"));
  });
});

