/**
 * The plan as text for a terminal or a CI log, read the way `terraform plan`
 * is: first what the plan could not see (incomplete, refused, warnings),
 * then each service's changes by slot with the reasons under each, its
 * rollout as the waves `berth apply` carries out, the jobs, and a closing
 * count. Marks:
 *
 *   + create   ~ replace, resize in place   ! recreate   - remove   = keep
 *   ? unplaced (no host fits)   * unknown (may run on a host that was not observed)
 *
 * A plan with exposed services adds a traffic section: each exposed
 * service's ports, the replicas every proxy routes to now, and what the
 * rollout's `route` and `drain` steps change; then each host's proxy.
 *
 * Environment values are never printed; a secret is only named.
 */
import { styleText } from "node:util";
import type { PodSpec } from "../model/pod.ts";
import { countNoun } from "./count-noun.ts";
import { describePod } from "./describe-pod.ts";
import { BACKGROUND_STOP, describeTrack, stopsInBackground, waveTitle, type Words } from "./describe-steps.ts";
import { withPlanDefaults, type SavedPlan } from "./plan-defaults.ts";
import { hostsLine, incompleteNotice, refusedNotice, warningNotices } from "./plan-notices.ts";
import { strategies } from "./steps.ts";
import { countChanges, countJobs, describeCounts, describeJobCounts, summaryLine } from "./summary-line.ts";
import { PROXY_SERVICE } from "../traffic/proxy-service.ts";
import type { ExposedPort } from "../model/fleet.ts";
import type { JobPlan, Plan, PlanAction, PlanBackend, PlanChange, ProxyPlan, ServicePlan, Track, TrafficPlan } from "./types.ts";

export interface TextOptions {
  /** Colour the marks (the CLI decides with `useColor`: a terminal, NO_COLOR unset or empty, no --no-color). */
  readonly color?: boolean;
  /** Also list pods and jobs that are kept (default true). */
  readonly showKeep?: boolean;
}

type Style = Parameters<typeof styleText>[0];
type Paint = (style: Style, text: string) => string;

const MARK: Record<PlanAction, string> = { create: "+", replace: "~", resize: "~", recreate: "!", remove: "-", keep: "=", unplaced: "?", unknown: "*" };
const COLOUR: Record<PlanAction, Style> = {
  create: "green",
  replace: "yellow",
  resize: "yellow",
  recreate: "yellow",
  remove: "red",
  keep: "gray",
  unplaced: "magenta",
  unknown: "cyan",
};
const LEGEND: Record<PlanAction, string> = {
  create: "create",
  replace: "replace",
  resize: "resize in place (no restart)",
  recreate: "recreate (same spec, started again)",
  remove: "remove",
  keep: "keep",
  unplaced: "unplaced (no host fits)",
  unknown: "unknown (may run on a host that was not observed)",
};
const JOB_MARK: Record<JobPlan["action"], PlanAction> = { create: "create", update: "replace", remove: "remove", keep: "keep" };

export function shortSha(sha: string): string {
  return /^[0-9a-f]{40}$/.test(sha) ? sha.slice(0, 12) : sha;
}

interface ServiceContext {
  readonly pod: PodSpec | undefined;
  /** The strategy each replaced slot really gets, from the waves. */
  readonly tracks: ReadonlyMap<number, Track>;
  /** The slot whose create lists the new pod; later creates refer to it. */
  readonly firstCreate: number | undefined;
}

function describeChange(c: PlanChange, ctx: ServiceContext): { head: string; details: string[] } {
  switch (c.action) {
    case "create": {
      const what = !ctx.pod ? [] : c.slot === ctx.firstCreate ? describePod(ctx.pod).map((l) => `${l.label} ${l.value}`) : [`same pod as slot ${ctx.firstCreate}`];
      return { head: `slot ${c.slot}: create on ${c.host} (${c.reason})`, details: what };
    }
    case "replace": {
      const track = ctx.tracks.get(c.slot);
      const strategy = track?.strategy ?? c.order;
      const why = track ? track.strategyReason : c.orderReason;
      const where = c.from.host === c.host ? `on ${c.host}` : `on ${c.from.host} with a new one on ${c.host}`;
      return { head: `slot ${c.slot}: replace pod ${c.from.pod} ${where}, ${strategy}`, details: [...c.reasons, ...(why ? [`${strategy} because ${why}`] : [])] };
    }
    case "resize":
      return { head: `slot ${c.slot}: resize in place (${c.reasons.join(", ")})`, details: [`pod ${c.from.pod} on ${c.host} keeps running: the engine changes its limits, no restart`] };
    case "recreate":
      return { head: `slot ${c.slot}: recreate pod ${c.from.pod} on ${c.host} (${c.reason})`, details: [] };
    case "remove":
      return { head: `slot ${c.slot}: remove pod ${c.from.pod} on ${c.from.host} (${c.reason})`, details: [] };
    case "keep":
      return { head: `slot ${c.slot}: keep pod ${c.from.pod} on ${c.host} (${c.from.status})`, details: [] };
    case "unplaced":
      return { head: `slot ${c.slot}: cannot be placed`, details: [c.reason, ...(c.left ? [`pod ${c.left.pod} on ${c.left.host} is left running`] : [])] };
    case "unknown":
      return { head: `slot ${c.slot}: unknown${c.host ? ` on ${c.host}` : ""}, nothing is done`, details: [c.reason] };
  }
}

const PLAIN: Words = { name: (s) => s, text: (s) => s };

/**
 * How many pods a service runs, in words: `3 replicas`, or for berth's proxy
 * (a global service: one pod per host) `berth's own proxy, global on 3 hosts`,
 * and for a global service of the repository `global on 3 hosts`.
 */
export function serviceSize(s: ServicePlan): string {
  if (s.name === PROXY_SERVICE) return `berth's own proxy, global on ${countNoun(s.replicas, "host")}`;
  if (s.global) return `global on ${countNoun(s.replicas, "host")}`;
  if (s.autoscale) return `${countNoun(s.replicas, "replica")} (${autoscaleWords(s.autoscale)})`;
  return countNoun(s.replicas, "replica");
}

/**
 * Where an autoscaled count comes from.
 * @example autoscaleWords({ min: 2, max: 10, gitReplicas: 2, reason: "cpu 83 % vs target 60 %" }) // "autoscaled; git: 2–10, cpu 83 % vs target 60 %"
 */
export function autoscaleWords(a: NonNullable<ServicePlan["autoscale"]>): string {
  return `autoscaled; git: ${a.min}–${a.max}, ${a.reason ?? `replicas ${a.gitReplicas} until the first decision`}`;
}

/** `port 18080 → http (8080)`, `ports 18080 → http (8080), 18443 → admin (9000)`. */
export function describeExpose(expose: readonly ExposedPort[], words: Words = PLAIN): string {
  const each = expose.map((e) => `${e.port} → ${words.name(e.targetPort)} (${e.containerPort})`);
  return `${expose.length === 1 ? "port" : "ports"} ${each.join(", ")}`;
}

/** Where a backend answers for the exposed ports: `10.0.0.1:32768` for each exposed container port it publishes. */
export function backendAddresses(b: PlanBackend, expose: readonly ExposedPort[]): string[] {
  const ports = [...new Set(expose.flatMap((e) => (b.ports[String(e.containerPort)] !== undefined ? [b.ports[String(e.containerPort)]!] : [])))];
  return ports.map((p) => `${b.address}:${p}`);
}

/** `h1 slot 0: pod p-1 at 10.0.0.1:32768`. */
export function describeBackend(b: PlanBackend, expose: readonly ExposedPort[], words: Words = PLAIN): string {
  const at = backendAddresses(b, expose);
  return `${words.name(b.host)} slot ${b.slot}: pod ${words.name(b.pod)}${at.length ? ` at ${at.map(words.name).join(", ")}` : ""}`;
}

/** One change a rollout makes to every proxy's routes, from its `route` or `drain` step. */
export interface RouteChange {
  readonly wave: number;
  /** `+` a new pod joins, `-` a pod leaves. */
  readonly mark: "+" | "-";
  readonly text: string;
}

/**
 * What the rollout changes in the routes of an exposed service, read from
 * the same `route` and `drain` steps that `berth apply` carries out, never
 * worked out apart.
 * @example
 * routeChanges(web) // [{ wave: 2, mark: "+", text: "new pod of slot 0 on h1 (after it counts)" }, { wave: 2, mark: "-", text: "pod p-1 on h1 (drained before it stops)" }]
 */
export function routeChanges(s: ServicePlan, words: Words = PLAIN): RouteChange[] {
  const out: RouteChange[] = [];
  for (const w of s.waves)
    for (const t of w.tracks)
      for (const step of t.steps) {
        if (step.verb === "route") out.push({ wave: w.index, mark: "+", text: `new pod of slot ${step.slot ?? t.slot ?? "?"} on ${words.name(step.host)} (after it counts)` });
        if (step.verb === "drain") out.push({ wave: w.index, mark: "-", text: `pod ${words.name(step.pod ?? "?")} on ${words.name(step.host)} (drained before it stops)` });
      }
  return out;
}

const ROUTES: Record<ProxyPlan["routes"], string> = {
  "in-sync": "in sync",
  differs: "routes differ: pushed before the rollout",
  unreadable: "config unreadable: pushed before the rollout",
  starting: "starting: gets every route once it runs",
};

/** A proxy's routes in words; with the exposed ports something else holds on its host. */
export function describeProxy(p: ProxyPlan): string {
  const taken = p.portsTaken?.length ? `; ${p.portsTaken.length === 1 ? "port" : "ports"} ${p.portsTaken.join(", ")} held by a container berth does not manage (the proxy cannot answer there)` : "";
  return `${ROUTES[p.routes]}${taken}`;
}

function trafficLines(traffic: TrafficPlan, services: readonly ServicePlan[], paint: Paint): string[] {
  const lines = ["", paint("bold", "traffic:")];
  for (const t of traffic.services) {
    lines.push(`  ${t.service}: ${describeExpose(t.expose)} on every host`);
    lines.push(`    serving now:${t.backends.length ? "" : " none"}`);
    for (const b of t.backends) lines.push(`      ${describeBackend(b, t.expose)}`);
    const svc = services.find((s) => s.name === t.service);
    const changes = svc ? routeChanges(svc) : [];
    if (changes.length === 0) {
      lines.push("    the rollout changes no route");
      continue;
    }
    lines.push("    the rollout changes the routes:");
    for (const c of changes) lines.push(`      ${paint(c.mark === "+" ? "green" : "red", c.mark)} wave ${c.wave}: ${c.text}`);
  }
  lines.push(`  proxies:${traffic.proxies.length ? "" : " none"}`);
  for (const p of traffic.proxies) lines.push(`    ${p.host}${p.pod ? ` (pod ${p.pod})` : ""}: ${describeProxy(p)}`);
  return lines;
}

function serviceTitle(s: ServicePlan): string {
  const what = s.kind === "removed" ? `service ${s.name} (deleted from git)` : `service ${s.name} (${serviceSize(s)}${s.pod ? `, spec ${s.pod.specHash}` : ""})`;
  return `${what}: ${describeCounts(countChanges(s.changes)).join(", ") || "nothing to do"}`;
}

function rolloutLines(s: ServicePlan): string[] {
  if (s.waves.length === 0) return [];
  const r = s.rollout;
  const lines = [`  rollout${r ? ` (${r.order}, maxSurge ${r.maxSurge}, maxUnavailable ${r.maxUnavailable})` : ""}:`];
  for (const w of s.waves) {
    if (w.tracks.length === 0) {
      lines.push(`    ${waveTitle(w)}`);
      continue;
    }
    lines.push(`    ${waveTitle(w)}:`);
    for (const t of w.tracks) lines.push(`      ${describeTrack(t)}`);
  }
  return lines;
}

function serviceLines(s: ServicePlan, showKeep: boolean, paint: Paint): string[] {
  const ctx: ServiceContext = { pod: s.pod, tracks: strategies(s.waves), firstCreate: s.changes.find((c) => c.action === "create")?.slot };
  const lines = [paint("bold", serviceTitle(s))];
  for (const c of s.changes) {
    if (c.action === "keep" && !showKeep) continue;
    const { head, details } = describeChange(c, ctx);
    lines.push(`  ${paint(COLOUR[c.action], MARK[c.action])} ${head}`);
    for (const d of details) lines.push(`      ${d}`);
  }
  return [...lines, ...rolloutLines(s)];
}

function scheduleLine(j: JobPlan): string | undefined {
  if (j.action === "remove") return undefined;
  if (!j.schedule) return "runs on demand only";
  return `schedule "${j.schedule}"${j.timezone ? ` in ${j.timezone}` : ""}; next runs ${j.nextRuns.join(", ") || "none"}`;
}

function jobLines(jobs: readonly JobPlan[], showKeep: boolean, paint: Paint): string[] {
  if (jobs.length === 0) return [];
  const lines = ["", paint("bold", `jobs: ${describeJobCounts(countJobs(jobs), { unchanged: true, noun: false }).join(", ")}`)];
  for (const j of jobs) {
    if (j.action === "keep" && !showKeep) continue;
    const mark = JOB_MARK[j.action];
    lines.push(`  ${paint(COLOUR[mark], MARK[mark])} job ${j.name}: ${j.action}${j.action === "remove" ? " (deleted from git)" : ""}`);
    const pod = j.action === "create" && j.pod ? describePod(j.pod).map((l) => `${l.label} ${l.value}`) : [];
    const schedule = scheduleLine(j);
    for (const d of [...j.changes, ...pod, ...(schedule ? [schedule] : [])]) lines.push(`      ${d}`);
  }
  return lines;
}

/** The marks the plan uses, with what they mean: `Marks: + create, ~ replace/update, * unknown (…)`. */
function legend(plan: Plan, showKeep: boolean): string[] {
  const used = new Map<PlanAction, Set<string>>();
  const use = (a: PlanAction, word: string) => used.set(a, (used.get(a) ?? new Set<string>()).add(word));
  for (const s of plan.services) for (const c of s.changes) if (c.action !== "keep" || showKeep) use(c.action, LEGEND[c.action]);
  for (const j of plan.jobs) if (j.action !== "keep" || showKeep) use(JOB_MARK[j.action], j.action === "update" ? "update" : LEGEND[JOB_MARK[j.action]]);
  const order = Object.keys(MARK) as PlanAction[];
  const marks = order.filter((a) => used.has(a)).map((a) => `${MARK[a]} ${[...used.get(a)!].join("/")}`);
  const lines = marks.length ? [`Marks: ${marks.join(", ")}`] : [];
  if (plan.services.some((s) => s.waves.some((w) => w.tracks.length > 0))) {
    const background = plan.services.some((s) => stopsInBackground(s.waves)) ? ` ${BACKGROUND_STOP[0]!.toUpperCase()}${BACKGROUND_STOP.slice(1)}.` : "";
    lines.push(`Rollout: each wave starts when the one before has finished; the tracks of a wave run at the same time, each track's steps in order (gate: wait until the new pod is ready).${background}`);
  }
  return lines;
}

/**
 * @example
 * process.stdout.write(formatPlanText(plan, { color: useColor(process.stdout), showKeep: false }));
 */
export function formatPlanText(saved: Plan | SavedPlan, opts: TextOptions = {}): string {
  const plan = withPlanDefaults(saved);
  // The caller decided (useColor looks at the stream it writes to), so styleText must not check process.stdout again.
  const paint: Paint = (style, text) => (opts.color ? styleText(style, text, { validateStream: false }) : text);
  const showKeep = opts.showKeep ?? true;
  const lines: string[] = [`Plan for commit ${shortSha(plan.commit)} (owner ${plan.owner}), made ${plan.createdAt}`];
  const incomplete = incompleteNotice(plan);
  if (incomplete) lines.push(`${paint("yellow", "Incomplete:")} ${incomplete}`);
  const refused = refusedNotice(plan);
  if (refused) lines.push(`${paint("red", "Refused:")} ${refused}`);
  for (const w of warningNotices(plan)) lines.push(`${paint("yellow", "Warning:")} ${w}`);
  lines.push(`Hosts: ${hostsLine(plan)}`);
  const marks = legend(plan, showKeep);
  if (marks.length) lines.push("", ...marks);

  let hidden = 0;
  for (const s of plan.services) {
    if (!showKeep && s.changes.every((c) => c.action === "keep")) {
      hidden++;
      continue;
    }
    lines.push("", ...serviceLines(s, showKeep, paint));
  }
  if (hidden) lines.push("", `${countNoun(hidden, "service")} unchanged (not shown).`);
  if (plan.traffic) lines.push(...trafficLines(plan.traffic, plan.services, paint));
  lines.push(...jobLines(plan.jobs, showKeep, paint));
  lines.push("", paint("bold", summaryLine(plan)));
  return lines.join("\n") + "\n";
}
