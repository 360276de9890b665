/**
 * `--lock etcd://HOST:PORT[,HOST:PORT…]`: the etcd cluster instances of one
 * owner elect their leader on. With a CA (or client certificate) the
 * endpoints are spoken to over TLS.
 */
export interface LockAddress {
  /** As given, for messages and status (it holds no credential). */
  readonly text: string;
  /** `http://host:port` or `https://host:port`, as the etcd client takes them. */
  readonly endpoints: readonly string[];
}

/**
 * @example parseLockAddress("etcd://10.0.0.1:2379,10.0.0.2:2379", false).endpoints // ["http://10.0.0.1:2379", "http://10.0.0.2:2379"]
 */
export function parseLockAddress(text: string, tls: boolean): LockAddress {
  // Credentials someone put in the address are not repeated in the refusal.
  const shown = JSON.stringify(text.replace(/\/\/[^/@]*@/, "//…@"));
  const m = /^etcd:\/\/(.+)$/.exec(text.trim());
  if (!m) throw new Error(`--lock ${shown}: expected etcd://HOST:PORT[,HOST:PORT…], e.g. etcd://127.0.0.1:2379`);
  if (m[1]!.includes("@")) throw new Error(`--lock ${shown}: put no credentials in the address; use --etcd-user and BERTH_ETCD_PASSWORD`);
  const endpoints = m[1]!.split(",").map((hp) => {
    const part = hp.trim();
    const hm = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(part);
    const port = hm ? Number(hm[2]) : 0;
    if (!hm || port < 1 || port > 65535) throw new Error(`--lock ${shown}: ${JSON.stringify(part)} is not HOST:PORT`);
    return `${tls ? "https" : "http"}://${hm[1]}:${port}`;
  });
  return { text: text.trim(), endpoints };
}
