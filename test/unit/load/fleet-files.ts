/**
 * Small in-memory repositories for loader tests: a valid base fleet that
 * each test case changes one file of, so every case shows exactly the
 * mistake it is about.
 */
import { loadFleet, type LoadResult } from "../../../reconciler/load/load-fleet.ts";

/** Joins lines with `\n`, so a test can count line numbers by eye. */
export function lines(...text: string[]): string {
  return `${text.join("\n")}\n`;
}

export const HOSTS = lines(
  "apiVersion: berth/v1",
  "kind: Host",
  "metadata:",
  "  name: h1",
  "spec:",
  "  endpoint: tcp://127.0.0.11:2375",
  "  insecure: true",
  "  labels:",
  "    zone: a",
  "---",
  "apiVersion: berth/v1",
  "kind: Host",
  "metadata:",
  "  name: h2",
  "spec:",
  "  endpoint: tcp://127.0.0.12:2375",
  "  insecure: true",
  "  labels:",
  "    zone: b",
);

export const TAIL_TEMPLATE = lines(
  "apiVersion: berth/v1",
  "kind: Template",
  "metadata:",
  "  name: tail",
  "spec:",
  "  pattern: sidecar",
  "  params:",
  "    path:",
  "      type: string",
  "      required: true",
  "    lines:",
  "      type: integer",
  "      default: 10",
  "  containers:",
  "    - name: tail",
  "      image: toolbox:v1",
  '      command: ["tail", "-n", "${{ params.lines }}", "-F", "${{ params.path }}/app.log"]',
  "      env:",
  '        SOURCE: "${{ service.name }}:${{ service.ports.http }}"',
  "      shareVolumes: true",
);

export const WEB = lines(
  "apiVersion: berth/v1",
  "kind: Service",
  "metadata:",
  "  name: web",
  "spec:",
  "  image: app:v1",
  "  replicas: 2",
  "  ports:",
  "    - name: http",
  "      containerPort: 8080",
  "  volumes:",
  "    - name: logs",
  "      mountPath: /var/log/app",
  "  uses:",
  "    - template: tail",
  "      with:",
  "        path: /var/log/app",
);

export const BASE: Readonly<Record<string, string>> = {
  "hosts.yaml": HOSTS,
  "templates/tail.yaml": TAIL_TEMPLATE,
  "services/web.yaml": WEB,
};

/** Loads `BASE` with `changes` applied (a file set to `null` is removed). */
export function loadWith(changes: Readonly<Record<string, string | null>> = {}): LoadResult {
  const files = { ...BASE, ...changes };
  return loadFleet({
    files: Object.entries(files)
      .filter((e): e is [string, string] => e[1] !== null)
      .map(([path, content]) => ({ path, content })),
  });
}
