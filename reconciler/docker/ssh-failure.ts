/**
 * What an SSH engine's failure means, from ssh2's error: a refused host key
 * or an unusable key file needs the operator (refused, stalled); a failed
 * login, a handshake that times out or a remote `docker system dial-stdio`
 * that ends at once are retried like any host that cannot be reached, since
 * the fix (an authorized key, a started sshd or engine) happens on the host
 * and needs no commit. ssh2's messages never hold key material.
 */
import { causeOf } from "./errors.ts";

export type SshFailure = { readonly kind: "refused"; readonly reason: string } | { readonly kind: "unreachable"; readonly cause: string };

/** How to report `err` from the SSH engine at `target` (`user@host:port`); undefined when it is not an SSH failure. `hostKeyRefusal` is what the host verifier recorded. */
export function sshFailure(err: unknown, target: string, hostKeyRefusal: string | undefined): SshFailure | undefined {
  const e = err as { level?: string; code?: string; message?: string };
  const message = e?.message ?? "";
  if (/Host denied/.test(message)) {
    return { kind: "refused", reason: hostKeyRefusal ?? `the SSH host key of ${target} was refused` };
  }
  if (/Cannot parse privateKey|passphrase/i.test(message)) {
    return { kind: "refused", reason: `the SSH key in ssh.identityFile cannot be used (${message}); an encrypted key must be loaded into an ssh-agent (ssh-add) and reached through ssh.agent or SSH_AUTH_SOCK` };
  }
  if (e?.level === "client-authentication") {
    return { kind: "unreachable", cause: `SSH login as ${target} was refused: no offered key is authorized (check the operator config's ssh.identityFile or ssh.agent, and ~/.ssh/authorized_keys of that user on the host)` };
  }
  if (e?.level === "client-timeout") {
    return { kind: "unreachable", cause: `no SSH handshake with ${target} in time (${message}); is sshd listening there?` };
  }
  if (e?.code === "ECONNRESET" || /socket hang up/.test(message)) {
    return { kind: "unreachable", cause: `${causeOf(err)} (the SSH session ended: can \`docker system dial-stdio\` run there, with docker on PATH and the engine's socket readable by that user?)` };
  }
  return undefined;
}
