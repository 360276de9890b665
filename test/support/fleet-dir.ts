/**
 * Writes small fleet repositories for integration tests: the bed's three
 * engines as Hosts (over their unix sockets), plus the services a test asks
 * for, in a temporary folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BedLayout } from "../../testbed/layout.ts";

export interface TestService {
  readonly name: string;
  readonly image?: string;
  readonly replicas?: number;
  /** A fixed host port for the `http` port (8080). */
  readonly hostPort?: number;
  /** Extra YAML lines under `spec:`, indented by two spaces. */
  readonly extra?: string;
}

export function hostsYaml(bed: BedLayout, extraHosts = ""): string {
  return (
    bed.hosts
      .map((h) => `apiVersion: berth/v1\nkind: Host\nmetadata:\n  name: ${h.name}\nspec:\n  endpoint: unix://${h.socket}\n  labels:\n    zone: ${h.labels["zone"]}\n`)
      .join("---\n") + extraHosts
  );
}

export function serviceYaml(s: TestService): string {
  return [
    "apiVersion: berth/v1",
    "kind: Service",
    "metadata:",
    `  name: ${s.name}`,
    "spec:",
    `  image: ${s.image ?? "127.0.0.1:5000/berth/app:v1"}`,
    `  replicas: ${s.replicas ?? 3}`,
    "  ports:",
    "    - name: http",
    "      containerPort: 8080",
    ...(s.hostPort ? [`      hostPort: ${s.hostPort}`] : []),
    "  stopGracePeriod: 2s",
    ...(s.extra ? [s.extra.replace(/\n$/, "")] : []),
    "",
  ].join("\n");
}

export class FleetDir {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), "berth-fleet-"));

  constructor(private readonly bed: BedLayout) {}

  /** Replaces the repository's content with these services (and templates). */
  write(services: readonly TestService[], opts: { templates?: string; extraHosts?: string } = {}): string {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(path.join(this.dir, "services"), { recursive: true });
    writeFileSync(path.join(this.dir, "hosts.yaml"), hostsYaml(this.bed, opts.extraHosts));
    for (const s of services) writeFileSync(path.join(this.dir, "services", `${s.name}.yaml`), serviceYaml(s));
    if (opts.templates) writeFileSync(path.join(this.dir, "templates.yaml"), opts.templates);
    return this.dir;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
