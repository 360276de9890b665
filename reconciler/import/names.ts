/**
 * Names berth accepts, made from Compose names: services, ports and
 * volumes are DNS labels in berth (lowercase letters, digits and `-`, at
 * most 63), environment variables letters, digits and `_`.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function isDnsLabel(name: string): boolean {
  return DNS_LABEL.test(name);
}

/**
 * The nearest DNS label: lowercased, `_` `.` and other characters as `-`, trimmed to 63.
 * @example dnsLabel("My_App.v2") // "my-app-v2"
 */
export function dnsLabel(name: string, fallback = "x"): string {
  const label = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+/, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return label === "" ? fallback : label;
}

/** `base`, or `base-2`, `base-3`… the first not in `taken` (which it joins). */
export function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base.slice(0, 60)}-${i}`;
  taken.add(name);
  return name;
}

/** An environment variable name for a secret or a Compose name: `db-password` → `DB_PASSWORD`. */
export function envName(name: string): string {
  const n = name.toUpperCase().replace(/[^A-Z0-9_]+/g, "_");
  return /^[0-9]/.test(n) ? `_${n}` : n;
}

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The Compose project name rule: lowercase letters, digits, `-` and `_`, starting with a letter or digit. */
export function projectName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]/g, "").replace(/^[-_]+/, "") || "default";
}
