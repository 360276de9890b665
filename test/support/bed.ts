/**
 * Gives integration tests the test bed (DESIGN §9), bringing it up once per
 * mocha run or reusing the one that runs. Without the means to start it:
 * locally the suite is reported as pending with the reason; with CI=true it is
 * a failure, never a silent skip.
 */
import type { Context } from "mocha";
import { bedUp } from "../../testbed/bed.ts";
import type { BedLayout } from "../../testbed/layout.ts";
import { engineClient } from "../../testbed/engines.ts";
import { missingPart } from "./missing-part.ts";

let upOnce: Promise<BedLayout> | undefined;
let reasonShown = false;

export const BED_TIMEOUT_MS = 10 * 60_000;

/** Call from a `before` hook: `bed = await useBed(this)`. */
export async function useBed(ctx: Context): Promise<BedLayout> {
  ctx.timeout(BED_TIMEOUT_MS);
  upOnce ??= bedUp({ log: (l) => console.log(`      bed: ${l}`) }).then((r) => r.layout);
  try {
    return await upOnce;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    // Said once: every integration file asks for the bed.
    const quiet = reasonShown;
    reasonShown = true;
    missingPart(ctx, "integration tests", `the test bed cannot start here: ${reason}`, { quiet });
  }
}

/** Removes every container of `owner` on the bed's engines (test clean-up). */
export async function removeOwnerContainers(bed: BedLayout, owner: string): Promise<void> {
  await Promise.all(
    bed.hosts.map(async (h) => {
      const docker = engineClient(h);
      const list = await docker.listContainers({ all: true, filters: { label: [`berth.owner=${owner}`] } });
      await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    }),
  );
}
