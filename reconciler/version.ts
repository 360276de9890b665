/**
 * berth's version and the commit it was built from, for `berth --version`
 * and /metrics' build_info. The version is package.json's, read when this
 * module loads, so a release changes it in one place.
 */
import { createRequire } from "node:module";

// package.json sits at the package root: one folder up from reconciler/ when
// berth runs from its sources under tsx, two from dist/reconciler/ compiled.
const packageJson = import.meta.url.endsWith(".ts") ? "../package.json" : "../../package.json";

/** The `version` of berth's package.json, e.g. "0.1.0". */
export const berthVersion: string = (createRequire(import.meta.url)(packageJson) as { version: string }).version;

/** The commit berth was built from (BERTH_BUILD_COMMIT, set by the image build), or "unknown". */
export const berthCommit: string = process.env.BERTH_BUILD_COMMIT || "unknown";
