/**
 * The bed's Docker engines: one `dockerd` per host, each with its own socket,
 * data-root, exec-root, pid file, bridge and loopback address, so two hosts can
 * publish the same port as two machines would.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, readFileSync, rmSync, readdirSync } from "node:fs";
import path from "node:path";
import Docker from "dockerode";
import type { BedHost } from "./layout.ts";
import { isAlive, readPid, startDetached, stopByPidFile, waitFor } from "./daemon.ts";

const run = promisify(execFile);

export function engineClient(host: BedHost): Docker {
  return new Docker({ socketPath: host.socket });
}

export async function pingEngine(host: BedHost): Promise<boolean> {
  try {
    await engineClient(host).ping();
    return true;
  } catch {
    return false;
  }
}

async function linkExists(name: string): Promise<boolean> {
  try {
    await run("ip", ["link", "show", name]);
    return true;
  } catch {
    return false;
  }
}

/**
 * A bridge's own MAC address, fixed and locally administered. Left to the
 * kernel, a bridge takes the lowest MAC of its ports and changes it whenever
 * a container's veth joins or leaves: the containers' ARP entry for the
 * gateway goes stale, and the replies of connections under way (docker-proxy
 * talks to the container from the gateway address) are lost for a second or
 * two. Seen on the bed as every request to a replica hanging ~1.7 s while a
 * new container started on the same engine. Docker's own bridge driver fixes
 * the address for the same reason.
 */
function bridgeMac(host: BedHost): string {
  return `02:42:c6:12:${host.index.toString(16).padStart(2, "0")}:01`;
}

async function fixBridgeMac(host: BedHost): Promise<void> {
  const { stdout } = await run("ip", ["-o", "link", "show", "dev", host.bridge]);
  if (!stdout.includes(`link/ether ${bridgeMac(host)} `)) await run("ip", ["link", "set", "dev", host.bridge, "address", bridgeMac(host)]);
}

async function ensureBridge(host: BedHost): Promise<void> {
  if (!(await linkExists(host.bridge))) {
    await run("ip", ["link", "add", host.bridge, "type", "bridge"]);
  }
  await fixBridgeMac(host);
  const { stdout } = await run("ip", ["-o", "addr", "show", "dev", host.bridge]);
  if (!stdout.includes(host.bridgeCidr)) await run("ip", ["addr", "add", host.bridgeCidr, "dev", host.bridge]);
  await run("ip", ["link", "set", host.bridge, "up"]);
}

export async function startEngine(host: BedHost): Promise<"started" | "running"> {
  if (await pingEngine(host)) {
    // A bed brought up before the bridge's address was fixed gets it now (harmless on a live bridge).
    if (await linkExists(host.bridge)) await fixBridgeMac(host);
    return "running";
  }
  // A dockerd that left a pid file but does not answer is stale; clear it out.
  await stopEngine(host);
  mkdirSync(host.dir, { recursive: true });
  await ensureBridge(host);
  startDetached({
    command: "/usr/sbin/dockerd",
    args: [
      "--host", `unix://${host.socket}`,
      "--host", host.tcp,
      "--data-root", path.join(host.dir, "data"),
      "--exec-root", path.join(host.dir, "exec"),
      "--pidfile", host.pidFile,
      "--bridge", host.bridge,
      "--iptables=false",
      "--ip-masq=false",
      "--ip", host.ip,
      "--log-level", "warn",
    ],
    logFile: host.logFile,
  });
  await waitFor(`engine ${host.name} at ${host.socket} (log: ${host.logFile})`, () => pingEngine(host), 60_000);
  return "started";
}

function mountsUnder(dir: string): string[] {
  const mounts = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .map((p) => p.replace(/\\040/g, " "))
    .filter((p) => p === dir || p.startsWith(dir + "/"));
  // Deepest first, so nested mounts come off before their parents.
  return mounts.sort((a, b) => b.length - a.length);
}

/** Stops the engine by its pid file, unmounts what it left, deletes its bridge. */
export async function stopEngine(host: BedHost): Promise<boolean> {
  const wasRunning = await stopByPidFile(host.pidFile, 20_000);
  // dockerd's managed containerd normally exits with it; make sure.
  const containerdPid = readPid(path.join(host.dir, "exec", "containerd", "containerd.pid"));
  if (containerdPid !== undefined && isAlive(containerdPid)) {
    await stopByPidFile(path.join(host.dir, "exec", "containerd", "containerd.pid"), 5_000);
  }
  for (const m of mountsUnder(host.dir)) {
    await run("umount", ["-l", m]).catch(() => undefined);
  }
  const netns = path.join(host.dir, "exec", "netns");
  try {
    for (const f of readdirSync(netns)) rmSync(path.join(netns, f), { force: true });
  } catch {
    // no netns folder: nothing to clean
  }
  if (await linkExists(host.bridge)) await run("ip", ["link", "del", host.bridge]);
  return wasRunning;
}

export function mountsLeft(dir: string): string[] {
  return mountsUnder(dir);
}

/** Pulls `image` onto one engine from the bed registry (a no-op when the engine has it). */
export async function pullImage(host: BedHost, image: string): Promise<void> {
  const docker = engineClient(host);
  const stream = await docker.pull(image);
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
}
