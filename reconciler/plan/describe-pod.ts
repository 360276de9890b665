/**
 * What a new pod will run, as a reviewer needs to see it: each container's
 * image, command and args, the names of its environment variables, the
 * pod's ports and resources. Environment values are never shown, and a
 * secret is only named: a plan is read in pull requests, and env is where
 * careless secrets end up.
 */
import { formatMemory } from "../../scheduler/explain.ts";
import type { ContainerSpec, PodPort, PodSpec, Resources } from "../model/pod.ts";

/** One line of a pod's description, e.g. `{ label: "image", value: "127.0.0.1:5000/berth/app:v1", literal: true }`. */
export interface PodLine {
  readonly label: string;
  readonly value: string;
  /** The value is typed as is (an image, a command line): Markdown shows it as code. */
  readonly literal?: boolean;
}

/** Words as a reader would type them: a word with spaces or quotes is quoted. */
function commandLine(words: readonly string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : JSON.stringify(w))).join(" ");
}

/** `http 8080/tcp`, `http 8080/tcp on host port 80`, `metrics 9100/tcp in exporter`. */
export function describePort(p: PodPort): string {
  return `${p.name} ${p.containerPort}/${p.protocol}${p.hostPort === undefined ? "" : ` on host port ${p.hostPort}`}${p.container === "main" ? "" : ` in ${p.container}`}`;
}

/** `cpu 0.25, memory 64Mi`. */
export function describeResources(r: Resources): string {
  return `cpu ${r.cpu}, memory ${formatMemory(r.memoryBytes)}`;
}

/** Env names, plain and secret, sorted: `API_TOKEN (secret), LOG_LEVEL`. Never a value. */
function envNames(c: ContainerSpec): string | undefined {
  const names = [...Object.keys(c.env).map((name) => ({ name, text: name })), ...c.secretEnv.map((s) => ({ name: s.name, text: `${s.name} (secret)` }))];
  if (names.length === 0) return undefined;
  return names
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((n) => n.text)
    .join(", ");
}

function containerLines(c: ContainerSpec, prefix: string): PodLine[] {
  const env = envNames(c);
  return [
    { label: `${prefix}image`, value: c.image, literal: true },
    ...(c.command ? [{ label: `${prefix}command`, value: commandLine(c.command), literal: true }] : []),
    ...(c.args ? [{ label: `${prefix}args`, value: commandLine(c.args), literal: true }] : []),
    ...(env ? [{ label: `${prefix}env`, value: env }] : []),
    ...(c.privileged ? [{ label: `${prefix}privileged`, value: "yes" }] : []),
  ];
}

/**
 * The lines that describe a pod. A pod with only its main container is
 * described without container names; with template containers, each line
 * says whose it is.
 * @example
 * describePod(pod).map((l) => `${l.label} ${l.value}`);
 * // ["image 127.0.0.1:5000/berth/app:v1", "env LOG_LEVEL", "ports http 8080/tcp", "resources cpu 0.25, memory 64Mi"]
 */
export function describePod(pod: PodSpec): PodLine[] {
  const single = pod.containers.length === 1 && pod.containers[0]!.name === "main";
  const lines = pod.containers.flatMap((c) => containerLines(c, single ? "" : c.template ? `${c.name} (${c.pattern ?? "template"} from ${c.template}): ` : `${c.name}: `));
  if (pod.network === "host") lines.push({ label: "network", value: "host" });
  if (pod.ports.length > 0) lines.push({ label: "ports", value: pod.ports.map(describePort).join(", ") });
  lines.push({ label: "resources", value: describeResources(pod.resources) });
  return lines;
}
