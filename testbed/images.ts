/**
 * The bed's test images, built locally from Debian's static busybox (no public
 * registry is reachable) and pushed to the bed's registry:
 *   berth/app:v1, :v2   HTTP server with /healthz and a HEALTHCHECK, naming its version
 *   berth/app:broken    runs but never turns healthy
 *   berth/app:crash     exits at once
 *   berth/app:late-crash  serves and is healthy for 3 s, then exits 1
 *   berth/toolbox:v1    every busybox applet, `sh` by default: sidecars, ambassadors, adapters, jobs
 *   berth/haproxy:2.6   the host's Debian haproxy with the libraries it links, over the busybox base
 *   berth/leader-elector:v1  the host's Debian etcdctl (and its libraries) and leader-elector.sh, over the busybox base
 * and, built on demand by test/integration/package/image.test.ts rather than
 * by bed:up (it needs a packed and installed berth):
 *   berth/berth:<version>  berth itself as the repository's Dockerfile builds it, on this machine's node
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type Docker from "dockerode";
import { REGISTRY_ADDR, type BedLayout } from "./layout.ts";
import { hasTag } from "./registry.ts";

const BUSYBOX = "/bin/busybox";
const HAPROXY = "/usr/sbin/haproxy";
const ETCDCTL = "/usr/bin/etcdctl";
const here = path.dirname(fileURLToPath(import.meta.url));

/** A host file copied into an image's build context. */
interface ContextFile {
  /** Absolute path on this machine (symlinks are followed). */
  readonly from: string;
  /** Path inside the build context, as the Dockerfile's COPY names it. */
  readonly to: string;
}

export interface BedImage {
  readonly repo: string;
  readonly tag: string;
  readonly dockerfile: string;
  /**
   * The files of its build context besides the Dockerfile. A function, so
   * that only building an image looks at the host (ldd, files that a missing
   * package would provide), not importing this module.
   */
  readonly files: () => readonly ContextFile[];
}

const BUSYBOX_FILE: ContextFile = { from: BUSYBOX, to: "busybox" };
const APP_SH_FILE: ContextFile = { from: path.join(here, "images", "app.sh"), to: "app.sh" };

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
    files: () => [BUSYBOX_FILE, APP_SH_FILE],
  };
}

/**
 * A binary and every shared library it loads (the dynamic loader included),
 * each at its own absolute path under `rootfs/` so that `COPY rootfs/ /` puts
 * it where the binary looks for it.
 */
function withLibraries(binary: string): ContextFile[] {
  const paths = new Set([binary]);
  // Lines are "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)", "/lib64/ld-linux-x86-64.so.2 (0x...)"
  // or, for the vDSO, "linux-vdso.so.1 (0x...)", which has no file.
  for (const line of execFileSync("ldd", [binary], { encoding: "utf8" }).split("\n")) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)\s*$/.exec(line.trim());
    if (m) paths.add(m[1]!);
  }
  return [...paths].map((p) => ({ from: p, to: path.posix.join("rootfs", p) }));
}

/** The proxy berth runs on each engine. */
const proxyImage: BedImage = {
  repo: "berth/haproxy",
  tag: "2.6",
  dockerfile: [...BUSYBOX_BASE, "COPY rootfs/ /", `CMD ["haproxy", "-v"]`, ""].join("\n"),
  files: () => [BUSYBOX_FILE, ...withLibraries(HAPROXY)],
};

/** The leader-elector sidecar (examples-repo/templates/leader-elector.yaml, docs/leader-elector.md). */
const leaderElectorImage: BedImage = {
  repo: "berth/leader-elector",
  tag: "v1",
  dockerfile: [...BUSYBOX_BASE, "COPY rootfs/ /", "COPY leader-elector.sh /leader-elector.sh", `ENTRYPOINT ["/bin/sh", "/leader-elector.sh"]`, ""].join("\n"),
  files: () => [BUSYBOX_FILE, { from: path.join(here, "images", "leader-elector.sh"), to: "leader-elector.sh" }, ...withLibraries(ETCDCTL)],
};

/** Every file under `dir`, as context files under `to/` (symlinks followed: npm's .bin links become copies). */
function filesUnder(dir: string, to: string): ContextFile[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => {
      const rel = path.relative(dir, path.join(e.parentPath, e.name));
      return { from: path.join(dir, rel), to: path.posix.join(to, ...rel.split(path.sep)) };
    })
    // The digest reads files in this order, and a fresh staging folder may list them in another.
    .sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
}

/**
 * berth itself, laid out as the repository's Dockerfile lays it out (/app
 * with dist/, schemas/ and the production node_modules; the same ENTRYPOINT,
 * state folder and unprivileged uid), but on this machine's node and the
 * libraries it links instead of node:20-slim, which no registry here serves.
 * `appDir` is that /app, staged from the npm pack tarball.
 */
export function berthImage(version: string, appDir: string): BedImage {
  return {
    repo: "berth/berth",
    tag: version,
    dockerfile: [
      ...BUSYBOX_BASE,
      "COPY rootfs/ /",
      "COPY app/ /app/",
      "ENV NODE_ENV=production BERTH_STATE_DIR=/var/lib/berth",
      `RUN ["/bin/sh", "-c", "mkdir -p /var/lib/berth && chown 1000:1000 /var/lib/berth"]`,
      "VOLUME /var/lib/berth",
      "USER 1000:1000",
      `ENTRYPOINT ["node", "/app/dist/reconciler/cli/main.js"]`,
      `CMD ["--help"]`,
      "",
    ].join("\n"),
    files: () => {
      // node:20-slim keeps node in /usr/local/bin; so does this image, wherever this machine keeps it.
      const [node, ...libraries] = withLibraries(process.execPath);
      return [BUSYBOX_FILE, { from: node!.from, to: "rootfs/usr/local/bin/node" }, ...libraries, ...filesUnder(appDir, "app")];
    },
  };
}

export const BED_IMAGES: readonly BedImage[] = [
  appImage("v1", "ok"),
  appImage("v2", "ok"),
  appImage("broken", "broken"),
  appImage("crash", "crash"),
  appImage("late-crash", "late-crash"),
  { repo: "berth/toolbox", tag: "v1", dockerfile: [...BUSYBOX_BASE, `CMD ["sh"]`, ""].join("\n"), files: () => [BUSYBOX_FILE] },
  proxyImage,
  leaderElectorImage,
];

export function imageRef(repo: string, tag: string): string {
  return `${REGISTRY_ADDR}/${repo}:${tag}`;
}

export const PROXY_IMAGE = imageRef(proxyImage.repo, proxyImage.tag);
export const LEADER_ELECTOR_IMAGE = imageRef(leaderElectorImage.repo, leaderElectorImage.tag);

/** Changes whenever the Dockerfile, a file's place in the context or a file's content does. */
function contextDigest(img: BedImage, files: readonly ContextFile[]): string {
  const hash = createHash("sha256").update(img.dockerfile);
  for (const f of files) hash.update(`\0${f.to}\0`).update(readFileSync(f.from));
  return hash.digest("hex").slice(0, 16);
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
  const built: string[] = [];
  for (const img of BED_IMAGES) if (await ensureImage(layout, docker, img, log)) built.push(imageRef(img.repo, img.tag));
  return built;
}

/** Builds and pushes one image unless the registry has it from the same build inputs; true when it built. */
export async function ensureImage(layout: BedLayout, docker: Docker, img: BedImage, log: (line: string) => void): Promise<boolean> {
  const manifest = readManifest(layout.images.manifestFile);
  const ref = imageRef(img.repo, img.tag);
  const files = img.files();
  const digest = contextDigest(img, files);
  if (manifest[ref] === digest && (await hasTag(layout.registry, img.repo, img.tag))) return false;
  const dir = path.join(layout.images.buildDir, `${img.repo.replace("/", "-")}-${img.tag}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "Dockerfile"), img.dockerfile);
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, f.to)), { recursive: true });
    copyFileSync(f.from, path.join(dir, f.to));
  }
  log(`building ${ref}`);
  const src = ["Dockerfile", ...files.map((f) => f.to)];
  await followStream(docker, await docker.buildImage({ context: dir, src }, { t: ref, labels: { "berth.bed.digest": digest } }), `building ${ref}`);
  log(`pushing ${ref}`);
  await followStream(docker, await docker.getImage(ref).push({ authconfig: {} }), `pushing ${ref}`);
  // Read again: another image may have been pushed since this one started.
  writeFileSync(layout.images.manifestFile, JSON.stringify({ ...readManifest(layout.images.manifestFile), [ref]: digest }, null, 2) + "\n");
  return true;
}
