/**
 * Fake docker credential helpers for tests: small sh scripts, real
 * executables put on PATH, answering as docker-credential-helpers do.
 */
import { chmodSync, writeFileSync } from "node:fs";
import path from "node:path";

export const SECRET = `s3cret-${process.pid}`;

/** Writes the fake helpers into `dir`; `docker-credential-fake` keeps what it was asked in `dir/asked`. */
export function writeHelpers(dir: string): void {
  const helper = (name: string, body: string) => {
    const file = path.join(dir, `docker-credential-${name}`);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
  };
  helper(
    "fake",
    [
      `[ "$1" = get ] || exit 9`,
      `server=$(cat)`,
      `printf %s "$server" > "${path.join(dir, "asked")}"`,
      `case "$server" in`,
      `  ghcr.io) printf '{"ServerURL":"ghcr.io","Username":"bot","Secret":"${SECRET}"}' ;;`,
      `  https://index.docker.io/v1/) printf '{"ServerURL":"https://index.docker.io/v1/","Username":"hub","Secret":"${SECRET}"}' ;;`,
      `  *) echo "credentials not found in native keychain"; exit 1 ;;`,
      `esac`,
    ].join("\n"),
  );
  helper("token", `cat >/dev/null; printf '{"ServerURL":"ghcr.io","Username":"<token>","Secret":"${SECRET}"}'`);
  helper("store", `cat >/dev/null; printf '{"ServerURL":"x","Username":"from-store","Secret":"${SECRET}"}'`);
  helper("broken", `cat >/dev/null; echo "cannot decrypt ${SECRET}"; echo "gpg: ${SECRET}" >&2; exit 3`);
  helper("garbage", `cat >/dev/null; echo "Username=${SECRET}"`);
  helper("slow", `exec sleep 5`);
  helper("env", `cat >/dev/null; printf '{"Username":"u","Secret":"%s"}' "$BERTH_GIT_TOKEN$HELPER_SEES"`);
}
