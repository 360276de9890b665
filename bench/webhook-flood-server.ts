/**
 * The process bench/webhook-flood.ts measures: berth's HTTP app, as `berth
 * run` starts it (default limits and timeouts), with a fake status and the
 * webhook secret from BENCH_WEBHOOK_SECRET, so no git or engine is needed.
 * Listens on 127.0.0.1:0 and prints the port on its first line of stdout.
 */
import type { AddressInfo } from "node:net";
import { httpApp, startHttp } from "../reconciler/loop/http-server.ts";
import { createMetrics } from "../reconciler/loop/metrics.ts";
import type { DaemonStatus } from "../reconciler/loop/status.ts";

const secret = process.env.BENCH_WEBHOOK_SECRET;
if (!secret) throw new Error("bench/webhook-flood-server.ts needs BENCH_WEBHOOK_SECRET");
const status: DaemonStatus = { owner: "bench", leader: true, source: { identity: "fake://fleet" }, services: [], hosts: [], held: [], diagnostics: [], jobs: [] };
const server = await startHttp(httpApp({ status: () => status, registry: createMetrics().registry, webhookSecret: secret, onWebhook: () => undefined }), "127.0.0.1:0");
process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
process.once("SIGTERM", () => server.close(() => process.exit(0)));
