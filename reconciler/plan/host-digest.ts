/**
 * A digest of what was observed on one host: which containers exist, in
 * which state, from which spec. A saved plan records it per host and is
 * refused when the host no longer matches. Health is left out on purpose:
 * a pod turning from starting to healthy does not make a plan stale.
 */
import { createHash } from "node:crypto";
import type { ObservedContainerView } from "./observed-pods.ts";

export function hostDigest(containers: readonly Pick<ObservedContainerView, "id" | "state" | "specHash">[]): string {
  const lines = containers.map((c) => `${c.id} ${c.state === "running" || c.state === "restarting" ? "running" : "stopped"} ${c.specHash}`).sort();
  return createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 16);
}
