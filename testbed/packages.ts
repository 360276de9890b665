/**
 * The Debian packages the test bed runs on. `ensurePackages` installs what is
 * missing when it can (root with apt-get), and otherwise says exactly what to
 * install.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync } from "node:fs";

const run = promisify(execFile);

/**
 * openssl makes the certificates of the mutual-TLS test; haproxy is copied,
 * with its libraries, into the bed's proxy image; chromium is the browser
 * the fleet view's tests drive (test/integration/web/); etcd-server is the
 * bed's etcd (testbed/etcd.ts) and etcd-client's etcdctl is copied, with its
 * libraries, into the leader-elector image; prometheus is the bed's
 * Prometheus (testbed/prometheus.ts), which the autoscaling tests query;
 * openssh-server is the bed's sshd (testbed/ssh.ts), the SSH engine route.
 */
export const BED_PACKAGES = ["docker.io", "docker-registry", "busybox-static", "git", "iproute2", "openssl", "haproxy", "chromium", "etcd-server", "etcd-client", "prometheus", "openssh-server"] as const;

export class MissingPackagesError extends Error {
  readonly code = "BED_PACKAGES_MISSING";
  constructor(readonly data: { missing: string[]; reason: string }) {
    super(
      `The test bed needs these Debian packages: ${data.missing.join(", ")} (${data.reason}).\n` +
        `Install them with: sudo apt-get install -y ${data.missing.join(" ")}`,
    );
  }
}

async function isInstalled(pkg: string): Promise<boolean> {
  try {
    const { stdout } = await run("dpkg-query", ["-W", "-f=${Status}", pkg]);
    return stdout.includes("install ok installed");
  } catch {
    return false;
  }
}

export async function missingPackages(): Promise<string[]> {
  const states = await Promise.all(BED_PACKAGES.map(async (p) => [p, await isInstalled(p)] as const));
  return states.filter(([, ok]) => !ok).map(([p]) => p);
}

/** Installs missing packages with apt-get when running as root; throws a `MissingPackagesError` otherwise. */
export async function ensurePackages(log: (line: string) => void): Promise<void> {
  const missing = await missingPackages();
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  const hasApt = existsSync("/usr/bin/apt-get");
  if (!isRoot || !hasApt) {
    throw new MissingPackagesError({ missing, reason: !hasApt ? "apt-get is not available here" : "not running as root, so they cannot be installed automatically" });
  }
  log(`installing ${missing.join(", ")} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  await run("apt-get", ["update", "-q"], { env, maxBuffer: 64 << 20 });
  await run("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing], { env, maxBuffer: 64 << 20 });
  const still = await missingPackages();
  if (still.length > 0) throw new MissingPackagesError({ missing: still, reason: "apt-get ran but they are still not installed" });
}
