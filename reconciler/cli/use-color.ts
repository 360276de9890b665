/**
 * Whether berth colours what it writes to a stream. One rule for every
 * place that colours (the plan, apply's progress, the daemon's log): off
 * when NO_COLOR is set to anything but "" (no-color.org; `--no-color` sets
 * it), when the stream is not a terminal, or when the terminal is dumb.
 * @example useColor(process.stdout) // false under `berth plan | less`
 */
export function useColor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false;
  return Boolean(stream.isTTY) && env["TERM"] !== "dumb";
}
