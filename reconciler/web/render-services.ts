/**
 * The services table: one row each (ready/desired, health, commit, last
 * result, exposed ports), its replicas host by host behind a `<details>`,
 * so a thousand services are a thousand rows, not a thousand lists.
 */
import type { ServiceStatus } from "../loop/status.ts";
import { commitTag } from "./commit-tag.ts";
import { escapeHtml } from "./escape-html.ts";
import { badge } from "./state-badge.ts";
import { timeTag } from "./time-text.ts";

/** The replicas of one service, grouped by host. */
function replicaList(s: ServiceStatus, now: number): string {
  const replicas = s.replicas ?? [];
  if (replicas.length === 0) return `<p class="none">no replica runs</p>`;
  const byHost = new Map<string, typeof replicas>();
  for (const r of replicas) byHost.set(r.host, [...(byHost.get(r.host) ?? []), r]);
  const draining = new Set((s.backends ?? []).filter((b) => b.state === "draining").map((b) => b.pod));
  const rows = [...byHost].map(([host, rs]) => {
    const items = rs.map((r) => {
      const word = draining.has(r.pod) ? "draining" : r.ready ? "ready" : "not-ready";
      return `<li>slot ${r.slot} ${badge(word)} <span class="engine">${escapeHtml(r.status)}</span> <code>${escapeHtml(r.pod)}</code>${r.since ? ` up ${timeTag(r.since, now, "elapsed")}` : ""}</li>`;
    });
    return `<li><b>${escapeHtml(host)}</b><ul>${items.join("")}</ul></li>`;
  });
  return `<ul class="replicas">${rows.join("")}</ul>`;
}

/** Where an exposed service answers, every host's address. */
function exposedList(s: ServiceStatus): string {
  return (s.expose ?? [])
    .map((e) => {
      const at = e.addresses.map((a) => `<li><code>${escapeHtml(a.address)}</code> (${escapeHtml(a.host)}${a.proxy !== "in-sync" ? `, proxy ${badge(a.proxy, a.proxy === "starting" ? "busy" : "warn")}` : ""}${a.portTaken ? `, ${badge("port taken", "bad")}` : ""})</li>`);
      return `<p>port ${e.port} → ${escapeHtml(e.targetPort)}</p><ul class="addresses">${at.join("") || `<li class="none">no host runs a proxy</li>`}</ul>`;
    })
    .join("");
}

function exposedCell(s: ServiceStatus): string {
  if (!s.expose?.length) return "";
  const hosts = new Set(s.expose.flatMap((e) => e.addresses.map((a) => a.host))).size;
  return s.expose.map((e) => `:${e.port}`).join(" ") + ` <span class="note">on ${hosts} host${hosts === 1 ? "" : "s"}</span>`;
}

function serviceRow(s: ServiceStatus, now: number): string {
  const key = `svc:${s.name}`;
  const backoff = s.backoff?.length ? `<p>${badge("waiting")} crash-looping: ${s.backoff.map((b) => `slot ${b.slot} failed ${b.failures}×, retried in ${Math.ceil(b.retryInMs / 1000)} s`).join("; ")}</p>` : "";
  const a = s.autoscale;
  const scaled = a ? `<p>autoscaled within ${a.min}–${a.max}: ${escapeHtml(a.reason ?? `replicas ${a.gitReplicas} from git until the first decision`)}${a.latest && a.latest.reason !== a.reason ? `; now: ${escapeHtml(a.latest.reason)}` : ""}</p>` : "";
  const body = `${replicaList(s, now)}${exposedList(s)}${scaled}${backoff}${s.reason ? `<p class="reason">${escapeHtml(s.reason)}</p>` : ""}`;
  const result = s.lastResult ? `${badge(s.lastResult)}${s.error ? ` <code>${escapeHtml(s.error.code)}</code>` : ""}` : "";
  const readyTone = s.ready >= s.desired ? "" : s.ready === 0 ? " bad" : " warn";
  return (
    `<tr data-service="${escapeHtml(s.name)}">` +
    `<th scope="row"><details data-key="${escapeHtml(key)}"><summary>${escapeHtml(s.name)}</summary>${body}</details></th>` +
    `<td class="num${readyTone}" data-ready>${s.ready}/${s.desired}${a ? ` <span class="note">autoscaled ${a.min}–${a.max}</span>` : ""}</td>` +
    `<td>${badge(s.health)}</td><td>${commitTag(s.commit)}</td><td>${result}</td><td>${exposedCell(s)}</td></tr>`
  );
}

export function renderServices(services: readonly ServiceStatus[], now: number): string {
  const head = `<thead><tr><th scope="col">Service</th><th scope="col">Ready</th><th scope="col">Health</th><th scope="col">Commit</th><th scope="col">Last result</th><th scope="col">Exposed</th></tr></thead>`;
  const body = services.length ? services.map((s) => serviceRow(s, now)).join("") : `<tr><td colspan="6" class="none">no services yet: the first pass may still be running</td></tr>`;
  return `<section aria-labelledby="h-services"><h2 id="h-services">Services</h2><div class="scroll"><table class="services">${head}<tbody>${body}</tbody></table></div></section>`;
}
