/**
 * Compose profiles: a service that lists `profiles` is left out unless one
 * of them is selected (`--profile`, or COMPOSE_PROFILES); `*` selects them
 * all. A service without profiles is always in.
 */

/** True when the service is part of the import with these profiles selected. */
export function inSelectedProfiles(service: Record<string, unknown>, selected: readonly string[]): boolean {
  const own = service["profiles"];
  if (!Array.isArray(own) || own.length === 0) return true;
  if (selected.includes("*")) return true;
  return own.some((p) => selected.includes(String(p)));
}

/** The profiles selected: `--profile` options, else COMPOSE_PROFILES (comma-separated). */
export function selectedProfiles(options: readonly string[], composeProfiles: string | undefined): string[] {
  if (options.length > 0) return [...options];
  return (composeProfiles ?? "").split(",").map((p) => p.trim()).filter((p) => p !== "");
}
