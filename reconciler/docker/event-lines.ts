/**
 * The engine's event stream is newline-delimited JSON, cut into chunks
 * anywhere. These turn it into berth's EngineEvents: whole lines only, one
 * malformed line skipped rather than the stream given up.
 */
import { LABEL } from "./labels.ts";
import type { EngineEvent } from "./types.ts";

interface RawEvent {
  readonly id?: string;
  readonly status?: string;
  readonly Action?: string;
  readonly time?: number;
  readonly Actor?: { readonly Attributes?: Record<string, string> };
}

const ACTIONS: ReadonlySet<string> = new Set(["die", "destroy", "stop", "unhealthy", "healthy", "start"]);

/** One line of the stream as an EngineEvent; undefined for a malformed line or an action berth does not follow. */
export function parseEventLine(host: string, line: string): EngineEvent | undefined {
  let e: RawEvent;
  try {
    e = JSON.parse(line) as RawEvent;
  } catch {
    return undefined;
  }
  if (typeof e !== "object" || e === null || typeof e.id !== "string") return undefined;
  const action = e.Action ?? e.status ?? "";
  const mapped = action.startsWith("health_status") ? (action.endsWith("unhealthy") ? "unhealthy" : "healthy") : action;
  if (!ACTIONS.has(mapped)) return undefined;
  const attrs = e.Actor?.Attributes ?? {};
  const group = attrs[LABEL.service] ?? attrs[LABEL.job];
  return {
    host,
    id: e.id,
    ...(attrs[LABEL.pod] ? { pod: attrs[LABEL.pod] } : {}),
    ...(group ? { group } : {}),
    ...(attrs[LABEL.service] ? { kind: "service" as const } : attrs[LABEL.job] ? { kind: "job" as const } : {}),
    action: mapped as EngineEvent["action"],
    ...(attrs["exitCode"] !== undefined && Number.isFinite(Number(attrs["exitCode"])) ? { exitCode: Number(attrs["exitCode"]) } : {}),
    at: (e.time ?? 0) * 1000,
  };
}

/** Buffers chunks of the stream and yields the events of every line they complete. */
export class EventLines {
  private pending = "";

  constructor(private readonly host: string) {}

  push(chunk: string): EngineEvent[] {
    this.pending += chunk;
    const lines = this.pending.split("\n");
    this.pending = lines.pop()!;
    return lines.flatMap((line) => {
      const e = line.trim() ? parseEventLine(this.host, line) : undefined;
      return e ? [e] : [];
    });
  }
}
