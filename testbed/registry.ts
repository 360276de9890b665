/**
 * The bed's image registry: Debian's `docker-registry` on 127.0.0.1:5000.
 * Engines treat 127.0.0.0/8 registries as insecure by default, so they pull
 * from it without extra configuration.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { BedLayout } from "./layout.ts";
import { startDetached, stopByPidFile, waitFor } from "./daemon.ts";

type Registry = BedLayout["registry"];

export async function pingRegistry(reg: Registry): Promise<boolean> {
  try {
    const res = await fetch(`http://${reg.addr}/v2/`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

export async function startRegistry(reg: Registry): Promise<"started" | "running"> {
  if (await pingRegistry(reg)) return "running";
  await stopByPidFile(reg.pidFile);
  mkdirSync(path.join(reg.dir, "data"), { recursive: true });
  const config = path.join(reg.dir, "config.yml");
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${path.join(reg.dir, "data")}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: ${reg.addr}`,
      "",
    ].join("\n"),
  );
  startDetached({ command: "/usr/bin/docker-registry", args: ["serve", config], logFile: reg.logFile, pidFile: reg.pidFile });
  await waitFor(`registry at ${reg.addr} (log: ${reg.logFile})`, () => pingRegistry(reg), 30_000);
  return "started";
}

export function stopRegistry(reg: Registry): Promise<boolean> {
  return stopByPidFile(reg.pidFile);
}

/** Whether the registry holds `repo:tag` (for example `berth/app:v1`). */
export async function hasTag(reg: Registry, repo: string, tag: string): Promise<boolean> {
  const res = await fetch(`http://${reg.addr}/v2/${repo}/manifests/${tag}`, {
    method: "HEAD",
    headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" },
  });
  return res.ok;
}

/**
 * Gives `repo:from`'s manifest a second tag, `repo:to`, in the registry
 * alone: no engine has the new tag, so its first pull must reach the
 * registry (a test can then stop the registry under that pull). The blobs
 * are shared with `from`; nothing is built or pushed through an engine.
 */
export async function tagInRegistry(reg: Registry, repo: string, from: string, to: string): Promise<void> {
  const accept = ["application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.manifest.v1+json"].join(", ");
  const got = await fetch(`http://${reg.addr}/v2/${repo}/manifests/${from}`, { headers: { accept } });
  if (!got.ok) throw new Error(`Reading the manifest of ${repo}:${from} from the registry at ${reg.addr} failed: HTTP ${got.status}`);
  const body = Buffer.from(await got.arrayBuffer());
  const put = await fetch(`http://${reg.addr}/v2/${repo}/manifests/${to}`, { method: "PUT", headers: { "content-type": got.headers.get("content-type") ?? accept }, body });
  if (!put.ok) throw new Error(`Tagging ${repo}:${from} as "${to}" in the registry at ${reg.addr} failed: HTTP ${put.status} ${await put.text()}`);
}
