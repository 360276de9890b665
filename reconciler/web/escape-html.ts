/**
 * Everything the fleet view prints comes from git, the engines or the
 * journal (service names, commit messages, error text): it is escaped
 * before it reaches HTML, text and attributes alike.
 */
const ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * @example
 * escapeHtml(`<b title="x">`) // "&lt;b title=&quot;x&quot;&gt;"
 */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
