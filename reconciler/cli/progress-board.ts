/**
 * What apply's live display shows, as data, and the frame drawn from it for
 * a terminal of a given size. The board takes rollout events; the frame is
 * one line per host while the hosts fit on the screen, and one line per
 * service past that (more than 20 hosts, or more than the terminal's rows
 * less 4), so a fleet of hundreds stays a few readable lines:
 *
 *   web: 12/40 ready, 2 starting on h3, h7, 1 failed
 *
 * Every line is cut to the terminal's width by its visible columns (colour
 * codes take none, and a cut closes the styles it cuts through), so nothing
 * wraps and no colour bleeds into the next line. Pure: no stream, no clock.
 */
import cliTruncate from "cli-truncate";
import type { styleText } from "node:util";
import type { Plan } from "../plan/types.ts";
import type { RolloutEvent, RolloutPhase } from "../rollout/events.ts";

/** Past this many hosts (or the terminal's rows less 4), the frame has one line per service. */
export const MAX_HOST_LINES = 20;
/** The failures shown under the frame, newest last; the result printed after the apply lists them all. */
const MAX_FAILURE_LINES = 5;
/** How many hosts a service line names for its starting pods before it says "…". */
const HOSTS_NAMED = 3;

/** Styles text, or leaves it plain when colour is off. */
export type Paint = (style: Parameters<typeof styleText>[0], text: string) => string;

const READY: ReadonlySet<RolloutPhase> = new Set(["ready", "route", "resize"]);
const STOPPING: ReadonlySet<RolloutPhase> = new Set(["drain", "stop"]);

interface ServiceState {
  /** Pods the plan brings up (launches and resizes), to count ready ones against. */
  expected: number;
  /** Each pod's latest phase, and where it is. */
  readonly pods: Map<string, { host: string; phase: RolloutPhase }>;
  /** Hosts pulling the service's image, until the next step there. */
  readonly pulling: Set<string>;
  /** The service's own last word, once it has one (converged, waiting: …, paused: …), and its colour. */
  end?: { message: string; style: "green" | "yellow" | "red" };
}

export class ProgressBoard {
  private readonly hosts = new Map<string, { text: string; phase: RolloutPhase }>();
  private readonly services = new Map<string, ServiceState>();
  private readonly failures: string[] = [];
  /** Hosts the plan works on: the frame's layout is chosen from the start, not flipped halfway. */
  private readonly planned = new Set<string>();

  constructor(plan?: Pick<Plan, "services">) {
    for (const svc of plan?.services ?? []) {
      const tracks = svc.waves.flatMap((w) => w.tracks ?? []);
      for (const t of tracks) this.planned.add(t.host);
      const expected = tracks.flatMap((t) => t.steps).filter((s) => s.verb === "launch" || s.verb === "resize").length;
      if (tracks.length > 0) this.services.set(svc.name, { expected, pods: new Map(), pulling: new Set() });
    }
  }

  get empty(): boolean {
    return this.hosts.size === 0 && this.failures.length === 0 && [...this.services.values()].every((s) => s.pods.size === 0 && !s.end);
  }

  record(e: RolloutEvent): void {
    const text = `${e.service}${e.slot !== undefined ? `/${e.slot}` : ""} ${e.phase}: ${e.message}`;
    if (e.phase === "failed" || e.phase === "rollback") this.failures.push(`${e.host ?? e.service}: ${text}`);
    if (e.host) this.hosts.set(e.host, { text, phase: e.phase });
    let svc = this.services.get(e.service);
    if (!svc) this.services.set(e.service, (svc = { expected: 0, pods: new Map(), pulling: new Set() }));
    if (e.phase === "pull" && e.host) svc.pulling.add(e.host);
    else if (e.host) svc.pulling.delete(e.host);
    if (e.pod && e.host) svc.pods.set(e.pod, { host: e.host, phase: e.phase });
    else if (!e.host && (e.phase === "done" || e.phase === "failed" || e.phase === "rollback")) svc.end = { message: e.message, style: endStyle(e) };
  }

  /** The lines to draw on a terminal of `columns` by `rows`, each at most `columns` wide. */
  frame(size: { readonly columns: number; readonly rows: number }, paint: Paint): string[] {
    const hostCount = Math.max(this.planned.size, this.hosts.size);
    const body = hostCount <= Math.min(MAX_HOST_LINES, size.rows - 4) ? this.hostLines(paint) : this.serviceLines(paint);
    const shown = this.failures.slice(-MAX_FAILURE_LINES).map((f) => paint("red", f));
    const hidden = this.failures.length - shown.length;
    const lines = [...body, ...(hidden > 0 ? [paint("red", `(${hidden} earlier failure${hidden === 1 ? "" : "s"} not shown; all are listed at the end)`)] : []), ...shown];
    const width = Math.max(1, size.columns);
    return lines.map((l) => cliTruncate(l, width));
  }

  private hostLines(paint: Paint): string[] {
    return [...this.hosts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([host, s]) => `${paint("bold", host.padEnd(12))} ${s.phase === "ready" || s.phase === "resize" || s.phase === "done" ? paint("green", s.text) : s.text}`);
  }

  private serviceLines(paint: Paint): string[] {
    return [...this.services]
      .sort(([a], [b]) => a.localeCompare(b))
      .filter(([, s]) => s.pods.size > 0 || s.pulling.size > 0 || s.end)
      .map(([name, s]) => {
        const pods = [...s.pods.values()];
        const inPhase = (phases: ReadonlySet<RolloutPhase> | RolloutPhase) => pods.filter((p) => (typeof phases === "string" ? p.phase === phases : phases.has(p.phase)));
        const ready = inPhase(READY).length;
        const starting = inPhase("start");
        const stopping = inPhase(STOPPING).length;
        const removed = inPhase("remove").length;
        const restored = inPhase("rollback").length;
        const failed = inPhase("failed").length;
        const parts = [
          s.expected > 0 ? `${ready}/${s.expected} ready` : ready > 0 ? `${ready} ready` : "",
          starting.length ? `${starting.length} starting on ${named(starting.map((p) => p.host))}` : "",
          s.pulling.size ? `pulling on ${named([...s.pulling])}` : "",
          stopping ? `${stopping} stopping` : "",
          removed ? `${removed} removed` : "",
          restored ? `${restored} restored` : "",
          failed ? `${failed} failed` : "",
        ].filter(Boolean);
        const line = `${s.end ? `${s.end.message}; ` : ""}${parts.join(", ")}`;
        const style = s.end ? s.end.style : failed ? "red" : undefined;
        return `${paint("bold", name)}: ${style ? paint(style, line) : line}`;
      });
  }
}

/** Green for done, yellow for not yet through no fault of the commit (waiting, interrupted), red for failed. */
function endStyle(e: RolloutEvent): "green" | "yellow" | "red" {
  if (e.phase !== "done") return e.message.startsWith("waiting") ? "yellow" : "red";
  return e.message === "converged" || e.message === "pruned" ? "green" : "yellow";
}

/** `h3, h7, h9…`: the first few distinct hosts, sorted, and an ellipsis for the rest. */
function named(hosts: readonly string[]): string {
  const distinct = [...new Set(hosts)].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return `${distinct.slice(0, HOSTS_NAMED).join(", ")}${distinct.length > HOSTS_NAMED ? "…" : ""}`;
}
