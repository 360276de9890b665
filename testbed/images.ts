/**
 * The bed's test images, built locally from Debian's static busybox (no public
 * registry is reachable) and pushed to the bed's registry:
 *   berth/app:v1, :v2   HTTP server with /healthz and a HEALTHCHECK, naming its version
 *   berth/app:broken    runs but never turns healthy
 *   berth/app:crash     exits at once
 *   berth/app:late-crash  serves and is healthy for 3 s, then exits 1
 *   berth/toolbox:v1    every busybox applet, `sh` by default: sidecars, ambassadors, adapters, jobs
 */
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type Docker from "dockerode";
import { REGISTRY_ADDR, type BedLayout } from "./layout.ts";
import { hasTag } from "./registry.ts";

const BUSYBOX = "/bin/busybox";
const here = path.dirname(fileURLToPath(import.meta.url));

export interface BedImage {
  readonly repo: string;
  readonly tag: string;
  readonly dockerfile: string;
}

const BUSYBOX_BASE = [
  "FROM scratch",
  "COPY busybox /bin/busybox",
  `RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && mkdir -p /tmp /www /var/log && chmod 1777 /tmp"]`,
];

function appImage(tag: string, mode: "ok" | "broken" | "crash" | "late-crash"): BedImage {
  return {
    repo: "berth/app",
    tag,
    dockerfile: [
      ...BUSYBOX_BASE,
      "COPY app.sh /app.sh",
      `ENV VERSION=${tag} MODE=${mode} PORT=8080`,
      "EXPOSE 8080",
      "HEALTHCHECK --interval=1s --timeout=1s --start-period=2s --retries=3 CMD wget -q -O /dev/null http://127.0.0.1:8080/healthz || exit 1",
      `ENTRYPOINT ["/bin/sh", "/app.sh"]`,
      "",
    ].join("\n"),
  };
}

export const BED_IMAGES: readonly BedImage[] = [
  appImage("v1", "ok"),
  appImage("v2", "ok"),
  appImage("broken", "broken"),
  appImage("crash", "crash"),
  appImage("late-crash", "late-crash"),
  { repo: "berth/toolbox", tag: "v1", dockerfile: [...BUSYBOX_BASE, `CMD ["sh"]`, ""].join("\n") },
];

export function imageRef(repo: string, tag: string): string {
  return `${REGISTRY_ADDR}/${repo}:${tag}`;
}

function contextDigest(img: BedImage): string {
  return createHash("sha256")
    .update(img.dockerfile)
    .update(readFileSync(path.join(here, "images", "app.sh")))
    .update(readFileSync(BUSYBOX))
    .digest("hex")
    .slice(0, 16);
}

function readManifest(file: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
  } catch {
    return {};
  }
}

async function followStream(docker: Docker, stream: NodeJS.ReadableStream, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, events: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
      if (err) return reject(err);
      const failed = events.find((e) => e.error ?? e.errorDetail);
      if (failed) return reject(new Error(`${what} failed: ${failed.error ?? failed.errorDetail?.message}`));
      resolve();
    });
  });
}

/**
 * Builds and pushes every image whose build inputs changed since the last
 * push (or that the registry lacks). Returns the references it (re)built.
 */
export async function ensureImages(layout: BedLayout, docker: Docker, log: (line: string) => void): Promise<string[]> {
  const manifest = readManifest(layout.images.manifestFile);
  const built: string[] = [];
  for (const img of BED_IMAGES) {
    const ref = imageRef(img.repo, img.tag);
    const digest = contextDigest(img);
    if (manifest[ref] === digest && (await hasTag(layout.registry, img.repo, img.tag))) continue;
    const dir = path.join(layout.images.buildDir, `${img.repo.replace("/", "-")}-${img.tag}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "Dockerfile"), img.dockerfile);
    copyFileSync(BUSYBOX, path.join(dir, "busybox"));
    copyFileSync(path.join(here, "images", "app.sh"), path.join(dir, "app.sh"));
    log(`building ${ref}`);
    await followStream(docker, await docker.buildImage({ context: dir, src: ["Dockerfile", "busybox", "app.sh"] }, { t: ref, labels: { "berth.bed.digest": digest } }), `building ${ref}`);
    log(`pushing ${ref}`);
    await followStream(docker, await docker.getImage(ref).push({ authconfig: {} }), `pushing ${ref}`);
    manifest[ref] = digest;
    writeFileSync(layout.images.manifestFile, JSON.stringify(manifest, null, 2) + "\n");
    built.push(ref);
  }
  return built;
}
