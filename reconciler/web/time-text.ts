/**
 * Times as people read them: "3 s ago", "in 5 m", with the ISO time on
 * hover. The page's script (page-script.ts) keeps them current between
 * polls with the same rules, from the `<time>` element's `datetime`.
 */
import { escapeHtml } from "./escape-html.ts";

/**
 * A length of time in its largest whole unit.
 * @example
 * durationText(3_400) // "3 s"
 * durationText(7_200_000) // "2 h"
 */
export function durationText(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/**
 * @example
 * agoText(Date.parse("2026-01-01T00:00:00Z"), Date.parse("2026-01-01T00:00:03Z")) // "3 s ago"
 */
export function agoText(at: number, now: number): string {
  return at <= now ? `${durationText(now - at)} ago` : `in ${durationText(at - now)}`;
}

/**
 * A `<time>` for `iso`: "3 s ago" (`ago`), or the time since it as a
 * running count (`elapsed`); `live` marks it for the page's script to keep
 * current. A time that does not parse is shown as it came.
 */
export function timeTag(iso: string, now: number, kind: "ago" | "elapsed" = "ago", live = true): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return escapeHtml(iso);
  const text = kind === "ago" ? agoText(at, now) : durationText(now - at);
  return `<time datetime="${escapeHtml(iso)}" title="${escapeHtml(iso)}"${live ? ` data-t="${kind}"` : ""}>${text}</time>`;
}
