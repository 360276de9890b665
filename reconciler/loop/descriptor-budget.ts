/**
 * The daemon's file descriptors (docs/scale.md): one event stream a host,
 * at most 2 sockets a host being observed (BERTH_OBSERVE_CONCURRENCY of
 * them at once), and a reserve for the rollout, git, the HTTP server and
 * Node itself. Below the budget, berth says so at start, naming the number,
 * rather than meeting EMFILE half-way through a pass.
 */
export const DESCRIPTOR_RESERVE = 1024;

export function descriptorBudget(hosts: number, concurrency: number): number {
  return hosts + 2 * concurrency + DESCRIPTOR_RESERVE;
}

/** A warning when `limit` (the process's open-file limit) is below the budget for `hosts`, else undefined. */
export function descriptorWarning(hosts: number, concurrency: number, limit: number | undefined): string | undefined {
  const need = descriptorBudget(hosts, concurrency);
  if (limit === undefined || limit >= need) return undefined;
  return (
    `${hosts} hosts need about ${need} open files (an event stream each, ${2 * concurrency} sockets while observing, ${DESCRIPTOR_RESERVE} in reserve), ` +
    `and this process may open ${limit}: raise it (ulimit -n ${need}, or LimitNOFILE=${need} in the systemd unit) or berth will fail with EMFILE (docs/scale.md)`
  );
}
