/**
 * `berth run`: the reconciler daemon. It reconciles on start, on every new
 * commit (poll, watch of a local repository, or webhook), on engine events
 * (self-healing), and when the resync sweep finds a host changed; runs jobs on their
 * schedules; and serves status and metrics. On stop it lets the pass in
 * progress finish.
 */
import type { ServerType } from "@hono/node-server";
import { readFileSync } from "node:fs";
import { openFileLimit } from "../docker/local-exhaustion-error.ts";
import { observeConcurrency } from "../docker/observe-fleet.ts";
import { descriptorWarning } from "./descriptor-budget.ts";
import type { OperatorRules } from "../load/check-operator.ts";
import type { Leadership } from "../lease/leadership.ts";
import type { StateStore } from "../record/state-store.ts";
import type { GitSource } from "../source/types.ts";
import { liveApplyDeps } from "../rollout/live-deps.ts";
import { EngineEvents } from "./engine-events.ts";
import { httpApp, startHttp } from "./http-server.ts";
import { JobRunner } from "./jobs.ts";
import { Autoscaler } from "../autoscale/autoscaler.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import { LoadThread } from "../load/load-thread.ts";
import { Reconciler } from "./reconciler.ts";
import { ResyncSweep } from "./resync-sweep.ts";
import type { DockerHost } from "../docker/types.ts";
import { systemTimers } from "./timers.ts";

export interface DaemonOptions {
  readonly source: GitSource;
  readonly owner: string;
  /** The record and the journal: the state folder, or etcd with `--lock`. */
  readonly store: StateStore;
  /** Who may write: this instance alone, or the leader elected on etcd. Followers serve status and write nothing. */
  readonly leadership: Leadership;
  /** With `--lock`: claims a job's schedule tick, so that it runs once across instances. */
  readonly claimRun?: (job: string, tickMs: number) => Promise<boolean>;
  readonly subPath?: string;
  readonly intervalMs: number;
  readonly resyncMs: number;
  /** /healthz, /status, /metrics, and POST /hooks/git unless `webhookListen` is given. */
  readonly listen: string;
  /** When given, POST /hooks/git (and /healthz) is served only here. */
  readonly webhookListen?: string;
  readonly webhookSecret?: string;
  /** BERTH_STATUS_TOKEN: /status and /metrics then need `Authorization: Bearer <token>`. */
  readonly statusToken?: string;
  readonly seed: number;
  /** The operator's rules (--config / BERTH_CONFIG, or the defaults). */
  readonly operator: OperatorRules;
  readonly log: Logger;
  readonly metrics: Metrics;
}

export class Daemon {
  readonly reconciler: Reconciler;
  /** Commits are loaded off the event loop: /healthz, engine events and signals are answered meanwhile. */
  private readonly loader = new LoadThread();
  private readonly events: EngineEvents;
  private readonly jobs: JobRunner;
  private readonly autoscaler: Autoscaler;
  private readonly sweep: ResyncSweep;
  /** The hosts the last pass connected to, which the event streams and the resync sweep follow. */
  private hosts: ReadonlyMap<string, DockerHost> = new Map();
  private timers: NodeJS.Timeout[] = [];
  private watcher: { close(): Promise<void> } | undefined;
  private server: ServerType | undefined;
  private webhookServer: ServerType | undefined;
  /** The open-file warning last given, so a pass that reconnects hosts does not repeat it. */
  private descriptorWarned: string | undefined;

  constructor(private readonly opts: DaemonOptions) {
    this.events = new EngineEvents(
      opts.owner,
      {
        drift: (e) => {
          // A follower's view is refreshed by its own passes; drift is the leader's to heal.
          if (!opts.leadership.state().leader) return;
          opts.log.info({ host: e.host, service: e.group, action: e.action }, "drift: a pod changed behind berth's back");
          void this.pass("event");
        },
        ours: (e) => e.pod !== undefined && this.reconciler.isOwnChange(e.pod),
        resubscribed: (host) => {
          opts.log.info({ host }, `following ${host}'s events again; resyncing what was missed`);
          void this.pass("resync");
        },
      },
      opts.log,
      { timers: systemTimers },
    );
    this.reconciler = new Reconciler({
      source: opts.source,
      owner: opts.owner,
      store: opts.store,
      leadership: opts.leadership,
      ...(opts.subPath ? { subPath: opts.subPath } : {}),
      log: opts.log,
      metrics: opts.metrics,
      now: Date.now,
      seed: opts.seed,
      operator: opts.operator,
      applyDeps: (hosts, onEvent) => liveApplyDeps(hosts, opts.operator.config.secrets, { onEvent, drainDelayMs: opts.operator.config.traffic.drainDelayMs }),
      onHosts: (hosts) => {
        const warning = descriptorWarning(hosts.size, observeConcurrency(), openFileLimit((f) => readFileSync(f, "utf8")));
        if (warning && warning !== this.descriptorWarned) opts.log.warn((this.descriptorWarned = warning));
        this.hosts = hosts;
        this.events.follow(hosts);
        this.sweep.hostsChanged();
      },
      eventsLive: () => this.events.allLive(),
      loader: this.loader,
    });
    this.sweep = new ResyncSweep({
      owner: opts.owner,
      intervalMs: opts.resyncMs,
      timers: systemTimers,
      maxInFlight: observeConcurrency(),
      hosts: () => this.hosts,
      lastLook: (host) => this.reconciler.lastLook(host),
      differs: (host, why) => {
        opts.log.info({ host }, `resync: ${host} is not as the last pass saw it (${why})`);
        void this.pass("resync");
      },
    });
    this.jobs = new JobRunner({ owner: opts.owner, leads: () => opts.leadership.state().leader, ...(opts.claimRun ? { claimRun: opts.claimRun } : {}), secretRules: opts.operator.config.secrets, reconciler: this.reconciler, log: opts.log, metrics: opts.metrics, seed: opts.seed, timers: systemTimers });
    this.reconciler.jobsStatus = () => this.jobs.status();
    opts.metrics.followStatus(() => this.reconciler.status());
    this.autoscaler = new Autoscaler({ target: this.reconciler, log: opts.log, metrics: opts.metrics, now: Date.now, onScaled: () => void this.pass("autoscale") });
    this.reconciler.autoscaleLatest = (service) => this.autoscaler.latestOf(service);
    opts.leadership.onChange((s) => {
      opts.metrics.leader.set(s.leader ? 1 : 0);
      if (this.stopped) return;
      if (s.leader) {
        // Elected: what the old leader knew comes from the store, and its unfinished rollout from the engines.
        this.reconciler.tookOver();
        this.autoscaler.reset();
        void this.pass("elected");
      } else this.reconciler.leadershipLost();
    });
  }

  /** The address `--listen` actually listens on (useful with port 0). */
  get address(): string | undefined {
    return addressOf(this.server);
  }

  /** The address `--webhook-listen` actually listens on, when given. */
  get webhookAddress(): string | undefined {
    return addressOf(this.webhookServer);
  }

  async start(): Promise<void> {
    const { opts } = this;
    const deps = {
      status: () => this.reconciler.status(),
      registry: opts.metrics.registry,
      ...(opts.webhookSecret ? { webhookSecret: opts.webhookSecret } : {}),
      ...(opts.statusToken ? { statusToken: opts.statusToken } : {}),
      onWebhook: () => void this.pass("webhook"),
    };
    this.server = await startHttp(httpApp({ ...deps, routes: opts.webhookListen ? "status" : "all" }), opts.listen);
    if (opts.webhookListen) {
      try {
        this.webhookServer = await startHttp(httpApp({ ...deps, routes: "webhook" }), opts.webhookListen, { flag: "--webhook-listen" });
      } catch (err) {
        await closeServer(this.server);
        throw err;
      }
    }
    opts.metrics.leader.set(opts.leadership.state().leader ? 1 : 0);
    opts.log.info({ listen: this.address, leader: opts.leadership.state().leader, lock: opts.leadership.state().lock, ...(this.webhookServer ? { webhookListen: this.webhookAddress } : {}), statusToken: Boolean(opts.statusToken), source: opts.source.identity, owner: opts.owner }, "berth run: started");
    // The first pass may be a long rollout: serve status and take signals meanwhile.
    void this.pass("start");
    this.timers.push(setInterval(() => void this.pass("poll"), opts.intervalMs));
    // The resync: every host looked at once per --resync, one after another over the interval.
    this.sweep.start();
    this.timers.push(setInterval(() => void this.autoscaler.tick(), opts.operator.config.autoscale.intervalMs));
    this.watcher = opts.source.watch?.(() => void this.pass("watch"));
  }

  /** Cancels the look again the last pass asked for, if one is due. */
  private cancelLookAgain: (() => void) | undefined;
  private stopped = false;

  /**
   * A pass that may have moved to a new commit: the job schedules follow
   * it. When the pass asks to look again (a host or the registry berth
   * waits for, a crash-looping pod's backoff), one timer does; a later pass
   * replaces it.
   */
  private async pass(trigger: string): Promise<void> {
    const { lookAgainMs } = await this.reconciler.trigger(trigger);
    this.jobs.sync();
    if (this.stopped) return;
    this.cancelLookAgain?.();
    this.cancelLookAgain = lookAgainMs === undefined ? undefined : systemTimers.after(lookAgainMs, () => void this.pass("retry"));
  }

  /** Finishes the pass in progress, then stops everything. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelLookAgain?.();
    for (const t of this.timers) clearInterval(t);
    this.sweep.stop();
    this.timers = [];
    await this.watcher?.close();
    this.events.close();
    this.jobs.stop();
    const passDone = this.reconciler.stop();
    // A load under way is dropped, not waited for: nothing of it was applied, and the next start loads the commit again.
    await this.loader.close();
    await passDone;
    await Promise.all([closeServer(this.server), closeServer(this.webhookServer)]);
    this.opts.log.info("berth run: stopped");
  }
}

function addressOf(server: ServerType | undefined): string | undefined {
  const a = server?.address();
  return a && typeof a === "object" ? `${a.address}:${a.port}` : undefined;
}

function closeServer(server: ServerType | undefined): Promise<void> {
  return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}
