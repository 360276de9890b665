/**
 * The host key check of one SSH engine, as ssh2's `hostVerifier`: the
 * operator's known_hosts file is read at every handshake (so a key added
 * after a refusal is trusted on the next try, without a restart), and an
 * unknown, changed or revoked key is refused and remembered, so that the
 * failed call can say which key and what to do. Nothing is ever written to
 * known_hosts: trusting a key is the operator's decision.
 */
import { readFileSync } from "node:fs";
import { checkHostKey, knownHostsName, parseKnownHosts, type HostKeyVerdict } from "./ssh-known-hosts.ts";

export interface SshHostVerifier {
  /** For ssh2's `hostVerifier`: true to go on with this key. */
  readonly verify: (key: Buffer) => boolean;
  /** Why the last key was refused, for the error the failed call raises. */
  readonly refusal: () => string | undefined;
}

function readKnownHosts(file: string): { text: string; missing: boolean } {
  try {
    return { text: readFileSync(file, "utf8"), missing: false };
  } catch {
    return { text: "", missing: true };
  }
}

/** What the operator reads when a host key is refused: the key, where berth looked, and the command to trust it after checking. */
export function hostKeyRefusal(verdict: Exclude<HostKeyVerdict, { verdict: "known" }>, at: { readonly host: string; readonly port: number; readonly knownHosts: string; readonly missing?: boolean }): string {
  const name = knownHostsName(at.host, at.port);
  const key = `${verdict.keyType} ${verdict.fingerprint}`;
  const scan = `ssh-keyscan ${at.port === 22 ? "" : `-p ${at.port} `}-t ${verdict.keyType} ${at.host} >> ${at.knownHosts}`;
  switch (verdict.verdict) {
    case "unknown":
      return (
        `the SSH host key of ${name} (${key}) is not in ${at.knownHosts}${at.missing ? " (the file does not exist)" : ""}, and berth never trusts an unknown key; ` +
        `compare the fingerprint with the one the host's administrator reads there (ssh-keygen -lf /etc/ssh/ssh_host_${verdict.keyType.replace(/^ssh-/, "")}_key.pub), then add it: ${scan}`
      );
    case "changed":
      return (
        `the SSH host key of ${name} has CHANGED: ${at.knownHosts} line ${verdict.lines.join(", ")} holds another ${verdict.keyType} key, and the host now shows ${verdict.fingerprint}; ` +
        `someone may be intercepting the connection, or the host was reinstalled. If the change is expected and the fingerprint checked, replace the old key: ssh-keygen -R '${name}' -f ${at.knownHosts} && ${scan}`
      );
    case "revoked":
      return `the SSH host key of ${name} (${key}) is marked @revoked in ${at.knownHosts} line ${verdict.line}; the host must get a new key`;
  }
}

/** The verifier for `host:port` against the known_hosts file at `knownHosts`. */
export function sshHostVerifier(at: { readonly host: string; readonly port: number; readonly knownHosts: string }): SshHostVerifier {
  let refused: string | undefined;
  return {
    verify(key) {
      const { text, missing } = readKnownHosts(at.knownHosts);
      const verdict = checkHostKey(parseKnownHosts(text), { host: at.host, port: at.port, key });
      refused = verdict.verdict === "known" ? undefined : hostKeyRefusal(verdict, { ...at, missing });
      return verdict.verdict === "known";
    },
    refusal: () => refused,
  };
}
