/**
 * The hosts table: up or not and why, and cpu and memory reserved against
 * capacity as bars (`<meter>`, with the numbers beside them). Past
 * HOSTS_OPEN hosts the table starts folded, with the unreachable ones
 * listed above it, so 500 hosts are one line until asked for.
 */
import type { HostStatus } from "../loop/status.ts";
import { escapeHtml } from "./escape-html.ts";
import { cpuText, memoryText } from "./quantities.ts";
import { badge } from "./state-badge.ts";

const HOSTS_OPEN = 50;

function meter(used: number, capacity: number, text: string, what: string): string {
  if (capacity <= 0) return `<span class="note">${text}</span>`;
  const share = used / capacity;
  return `<meter min="0" max="${capacity}" low="${capacity * 0.75}" high="${capacity * 0.9}" optimum="0" value="${Math.min(used, capacity)}" aria-label="${escapeHtml(what)} ${Math.round(share * 100)}%"></meter> <span class="note">${text}</span>`;
}

export function hostWord(h: HostStatus): string {
  return !h.reachable ? "unreachable" : h.state === "drained" ? "drained" : "up";
}

function hostRow(h: HostStatus): string {
  const cpu = h.capacity && h.used ? meter(h.used.cpu, h.capacity.cpu, `${cpuText(h.used.cpu)} / ${cpuText(h.capacity.cpu)}`, `${h.name} cpu`) : "";
  const mem = h.capacity && h.used ? meter(h.used.memoryBytes, h.capacity.memoryBytes, `${memoryText(h.used.memoryBytes)} / ${memoryText(h.capacity.memoryBytes)}`, `${h.name} memory`) : "";
  return `<tr data-host="${escapeHtml(h.name)}"><th scope="row">${escapeHtml(h.name)}</th><td>${badge(hostWord(h))}</td><td>${cpu}</td><td>${mem}</td><td class="num">${h.pods ?? ""}</td><td class="reason">${h.error ? escapeHtml(h.error) : ""}</td></tr>`;
}

function table(hosts: readonly HostStatus[]): string {
  const head = `<thead><tr><th scope="col">Host</th><th scope="col">State</th><th scope="col">cpu</th><th scope="col">Memory</th><th scope="col">Pods</th><th scope="col">Why</th></tr></thead>`;
  return `<div class="scroll"><table class="hosts">${head}<tbody>${hosts.map(hostRow).join("")}</tbody></table></div>`;
}

export function renderHosts(hosts: readonly HostStatus[]): string {
  const title = `<h2 id="h-hosts">Hosts</h2>`;
  if (hosts.length === 0) return `<section aria-labelledby="h-hosts">${title}<p class="none">no hosts observed yet</p></section>`;
  if (hosts.length <= HOSTS_OPEN) return `<section aria-labelledby="h-hosts">${title}${table(hosts)}</section>`;
  const dark = hosts.filter((h) => !h.reachable);
  const darkPart = dark.length ? `<p>${dark.length} ${badge("unreachable")}:</p>${table(dark)}` : "";
  return `<section aria-labelledby="h-hosts">${title}${darkPart}<details data-key="hosts:all"><summary>All ${hosts.length} hosts (${hosts.length - dark.length} up)</summary>${table(hosts)}</details></section>`;
}
