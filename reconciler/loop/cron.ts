/**
 * What fires job runs at their cron times: node-cron, in the job's time
 * zone (the loader checked the expression with node-cron's own parser, and
 * plan/next-runs.ts promises the times node-cron keeps). It is injected so
 * the job runner's tests can fire a run themselves and run the rest on
 * fake time.
 */
import cron from "node-cron";

export interface Cron {
  /** Calls `fire` whenever `expression` matches in `timezone`, until `stop`. `name` shows in node-cron's own logs. */
  schedule(expression: string, fire: () => void, options: { readonly timezone: string; readonly name: string }): { stop(): void };
}

export const nodeCron: Cron = {
  schedule(expression, fire, { timezone, name }) {
    const task = cron.schedule(expression, fire, { timezone, name });
    return { stop: () => void task.destroy() };
  },
};
