/** A commit as people read it: its first 8 characters, the whole sha on hover. */
import { escapeHtml } from "./escape-html.ts";

export function commitTag(sha: string | undefined): string {
  if (!sha) return `<span class="none">none</span>`;
  return `<code class="sha" title="${escapeHtml(sha)}">${escapeHtml(sha.slice(0, 8))}</code>`;
}
