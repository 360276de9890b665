/**
 * Commits berth does not apply: those held after a failed rollout (with
 * why), and the newest commit when it does not validate, with each
 * diagnostic as `file:line:col: …`.
 */
import type { DaemonStatus } from "../loop/status.ts";
import { commitTag } from "./commit-tag.ts";
import { escapeHtml } from "./escape-html.ts";
import { badge } from "./state-badge.ts";

/** More than this many diagnostics are folded behind the first ones. */
const DIAGNOSTICS_SHOWN = 20;

export function renderHeld(status: DaemonStatus): string {
  const { held, diagnostics } = status;
  if (held.length === 0 && diagnostics.length === 0) return "";
  const heldList = held.length ? `<p>Held after a failed rollout:</p><ul class="held">${held.map((h) => `<li>${badge("held")} ${commitTag(h.commit)}: <span class="reason">${escapeHtml(h.reason)}</span></li>`).join("")}</ul>` : "";
  const line = (d: string) => `<li><code>${escapeHtml(d)}</code></li>`;
  const more = diagnostics.length > DIAGNOSTICS_SHOWN ? `<details data-key="diagnostics:more"><summary>${diagnostics.length - DIAGNOSTICS_SHOWN} more</summary><ul class="diagnostics">${diagnostics.slice(DIAGNOSTICS_SHOWN).map(line).join("")}</ul></details>` : "";
  const invalid = diagnostics.length
    ? `<p>${badge("invalid")} The newest commit ${commitTag(status.source.commitSeen)} does not validate; the fleet stays at the last good commit.</p><ul class="diagnostics">${diagnostics.slice(0, DIAGNOSTICS_SHOWN).map(line).join("")}</ul>${more}`
    : "";
  return `<section aria-labelledby="h-held" id="held"><h2 id="h-held">Held commits</h2>${invalid}${heldList}<p class="note">berth looks at a held commit again only when a newer one arrives.</p></section>`;
}
