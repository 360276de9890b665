/**
 * Where one owner's shared state lives in etcd. The owner (a repository URL
 * and path) is digested, as the state folder's files are, so keys stay
 * short and the URL is not a key.
 *
 *   /berth/v1/<owner digest>/leader          the leader's key, on its lease
 *   /berth/v1/<owner digest>/record          the deployment record (held and last good commits included)
 *   /berth/v1/<owner digest>/journal/<at>    one deployment attempt per key
 *   /berth/v1/<owner digest>/runs/<job>/<t>  a job's claimed schedule tick
 */
import { createHash } from "node:crypto";

export interface OwnerKeys {
  readonly leader: string;
  readonly record: string;
  readonly journal: string;
  readonly runs: string;
}

export function ownerKeys(owner: string): OwnerKeys {
  const base = `/berth/v1/${createHash("sha256").update(owner).digest("hex").slice(0, 16)}`;
  return { leader: `${base}/leader`, record: `${base}/record`, journal: `${base}/journal/`, runs: `${base}/runs/` };
}
