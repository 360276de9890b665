/**
 * The bed's SSH engine access: Debian's `openssh-server` on 127.0.0.1:2222
 * with its own configuration, host key and client key under `.bed/ssh/`,
 * tracked by a pid file like the bed's other daemons. Key
 * `.bed/ssh/id_ed25519` logs in as the system user `berth` (created when
 * missing, in group `docker`, which owns the engines' sockets), and the only
 * thing that login can do is what `docker -H ssh://` asks for: its
 * authorized_keys line forces `docker -H unix://<h2's socket> system
 * dial-stdio`, so `ssh://berth@127.0.0.1:2222` is engine h2. The server's
 * host key is written to `.bed/ssh/known_hosts` as `[127.0.0.1]:2222`.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { isAlive, readPid, startDetached, stopByPidFile } from "./daemon.ts";

const run = promisify(execFile);

export const SSHD_BINARY = "/usr/sbin/sshd";
export const SSH_USER = "berth";

export interface SshOptions {
  /** `.bed/ssh`: configuration, keys, known_hosts, pid and log. */
  readonly dir: string;
  readonly port: number;
  /** The engine socket the login reaches (h2's). */
  readonly engineSocket: string;
  /** How long to wait for the SSH banner (default 15 s). */
  readonly timeoutMs?: number;
}

/** The files of the bed's sshd, from its folder. */
export function sshFiles(dir: string) {
  return {
    config: path.join(dir, "sshd_config"),
    hostKey: path.join(dir, "ssh_host_ed25519_key"),
    clientKey: path.join(dir, "id_ed25519"),
    authorizedKeys: path.join(dir, "authorized_keys"),
    knownHosts: path.join(dir, "known_hosts"),
    pidFile: path.join(dir, "sshd.pid"),
    logFile: path.join(dir, "sshd.log"),
  };
}

export interface RunningSshd {
  readonly pid: number;
  readonly state: "started" | "running";
}

/** sshd could not be started or did not answer; `data.logTail` quotes its log. */
export class SshdStartError extends Error {
  readonly code = "BED_SSHD_START";
  constructor(readonly data: { port: number; logFile: string; cause: string; logTail: string }) {
    super(`sshd on 127.0.0.1:${data.port} did not come up: ${data.cause}. Last lines of ${data.logFile}:\n${data.logTail || "(empty)"}`);
  }
}

/** Whether something on 127.0.0.1:`port` greets with an SSH-2.0 banner. */
export function pingSshd(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("data", (d) => done(d.toString("latin1").startsWith("SSH-2.0-")));
  });
}

function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

async function ensureUser(): Promise<void> {
  try {
    await run("id", ["-u", SSH_USER]);
  } catch {
    await run("useradd", ["--system", "--create-home", "--shell", "/bin/sh", SSH_USER]);
  }
  // In group docker: the bed's engine sockets are root:docker 0660. A password of `*` is
  // no password at all, whereas useradd's locked `!` makes sshd refuse even key logins.
  await run("usermod", ["--append", "--groups", "docker", "--password", "*", SSH_USER]);
}

async function ensureKey(file: string, comment: string): Promise<void> {
  if (existsSync(file) && existsSync(`${file}.pub`)) return;
  rmSync(file, { force: true });
  rmSync(`${file}.pub`, { force: true });
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
}

/** The sshd configuration: only the bed's key, only as `berth`, nothing but the forced command. */
export function sshdConfig(opts: SshOptions): string {
  const f = sshFiles(opts.dir);
  return [
    `Port ${opts.port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${f.hostKey}`,
    // startDetached writes the pid file of the foreground (-D) process.
    "PidFile none",
    `AuthorizedKeysFile ${f.authorizedKeys}`,
    // The key file lives in the checkout's .bed/, and a checkout under /tmp (world-writable) fails sshd's check
    // of every folder above it ("bad ownership or modes for directory /tmp"): seen on a fresh clone in /tmp.
    // The bed's own key, for the bed's own user, whose only command is the engine's dial-stdio.
    "StrictModes no",
    `AllowUsers ${SSH_USER}`,
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    "PermitRootLogin no",
    "AllowTcpForwarding no",
    "X11Forwarding no",
    "PrintMotd no",
    "LogLevel VERBOSE",
    "",
  ].join("\n");
}

/** The client key's authorized_keys line: it may only run `docker system dial-stdio` against the engine. */
export function authorizedKeysLine(publicKey: string, engineSocket: string): string {
  // The real path: .bed may be reached through a symlink from a checkout that comes and goes.
  const socket = path.join(realpathSync(path.dirname(engineSocket)), path.basename(engineSocket));
  return `command="docker -H unix://${socket} system dial-stdio",restrict ${publicKey.trim()}\n`;
}

/**
 * Starts sshd unless the pid file names one that answers; idempotent. The
 * user, keys and files are made when missing, and the configuration,
 * authorized_keys and known_hosts are rewritten every time (cheap, and a
 * changed socket path is picked up by the next login).
 */
export async function startSshd(opts: SshOptions): Promise<RunningSshd> {
  const f = sshFiles(opts.dir);
  if (!existsSync(SSHD_BINARY)) {
    throw new SshdStartError({ port: opts.port, logFile: f.logFile, cause: `${SSHD_BINARY} is missing (install the Debian package openssh-server)`, logTail: "" });
  }
  mkdirSync(opts.dir, { recursive: true, mode: 0o755 });
  await ensureUser();
  await ensureKey(f.hostKey, "berth-bed-host");
  await ensureKey(f.clientKey, "berth-bed-client");
  writeFileSync(f.config, sshdConfig(opts), { mode: 0o644 });
  writeFileSync(f.authorizedKeys, authorizedKeysLine(readFileSync(`${f.clientKey}.pub`, "utf8"), opts.engineSocket), { mode: 0o644 });
  const [type, key] = readFileSync(`${f.hostKey}.pub`, "utf8").trim().split(/\s+/);
  writeFileSync(f.knownHosts, `[127.0.0.1]:${opts.port} ${type} ${key}\n`, { mode: 0o644 });
  const running = readPid(f.pidFile);
  if (running !== undefined && isAlive(running) && (await pingSshd(opts.port))) return { pid: running, state: "running" };
  await stopByPidFile(f.pidFile, 5_000);
  // sshd's privilege separation wants this folder; a service manager would make it.
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  await run(SSHD_BINARY, ["-t", "-f", f.config]).catch((err: { stderr?: string }) => {
    throw new SshdStartError({ port: opts.port, logFile: f.logFile, cause: `its configuration ${f.config} is refused: ${err.stderr?.trim() ?? String(err)}`, logTail: "" });
  });
  const pid = startDetached({ command: SSHD_BINARY, args: ["-D", "-e", "-f", f.config], logFile: f.logFile, pidFile: f.pidFile });
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  while (!(await pingSshd(opts.port))) {
    const cause = !isAlive(pid) ? "the process exited" : Date.now() > deadline ? `no SSH banner on 127.0.0.1:${opts.port} within ${opts.timeoutMs ?? 15_000} ms` : undefined;
    if (cause !== undefined) {
      await stopByPidFile(f.pidFile, 5_000);
      throw new SshdStartError({ port: opts.port, logFile: f.logFile, cause, logTail: logTail(f.logFile) });
    }
    await sleep(100);
  }
  return { pid, state: "started" };
}

/** Stops the bed's sshd (SIGTERM, SIGKILL after 5 s); returns whether it was running. */
export function stopSshd(dir: string): Promise<boolean> {
  return stopByPidFile(sshFiles(dir).pidFile, 5_000);
}
