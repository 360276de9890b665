/**
 * The fleet view's only script, served inline. Every 2 s it asks the daemon
 * for the content again (`ui/fleet`, with the last ETag: an unchanged fleet
 * costs a 204) and swaps it in, keeping which `<details>` are open and
 * where the keyboard focus is; between polls it keeps "3 s ago" current
 * with time-text.ts's rules, reckoned from the daemon's clock. Without it
 * the page is the same tables, as of when it was loaded.
 */
export const PAGE_SCRIPT = `(() => {
  "use strict";
  const POLL_MS = 2000;
  const live = document.getElementById("live");
  let etag = null;
  let skew = 0;
  const fleet = () => document.getElementById("fleet");
  const reckon = (main) => { const t = Date.parse(main.dataset.now || ""); if (!Number.isNaN(t)) skew = t - Date.now(); };
  const dur = (ms) => {
    const s = Math.floor(Math.abs(ms) / 1000);
    if (s < 60) return s + " s";
    const m = Math.floor(s / 60);
    if (m < 60) return m + " m";
    const h = Math.floor(m / 60);
    return h < 48 ? h + " h" : Math.floor(h / 24) + " d";
  };
  const tick = () => {
    const now = Date.now() + skew;
    for (const t of document.querySelectorAll("time[data-t]")) {
      const at = Date.parse(t.dateTime);
      if (Number.isNaN(at)) continue;
      const text = t.dataset.t === "elapsed" ? dur(now - at) : at <= now ? dur(now - at) + " ago" : "in " + dur(at - now);
      if (t.textContent !== text) t.textContent = text;
    }
  };
  const say = (text, bad) => { live.textContent = text; live.className = bad ? "bad" : ""; };
  const swap = (html) => {
    const old = fleet();
    const open = new Map();
    for (const d of old.querySelectorAll("details[data-key]")) open.set(d.dataset.key, d.open);
    const focused = document.activeElement && document.activeElement.closest("[data-key]");
    const focusKey = focused ? focused.dataset.key : null;
    const tpl = document.createElement("template");
    tpl.innerHTML = html;
    const next = tpl.content.firstElementChild;
    if (!next || next.id !== "fleet") throw new Error("the daemon sent something else than the fleet view");
    for (const d of next.querySelectorAll("details[data-key]")) if (open.has(d.dataset.key)) d.open = open.get(d.dataset.key);
    old.replaceWith(next);
    reckon(next);
    if (focusKey) {
      for (const d of next.querySelectorAll("details[data-key]")) if (d.dataset.key === focusKey) { const s = d.querySelector("summary"); if (s) s.focus({ preventScroll: true }); }
    }
  };
  const poll = async () => {
    try {
      const res = await fetch(etag ? "ui/fleet?after=" + encodeURIComponent(etag) : "ui/fleet", { cache: "no-store", credentials: "same-origin" });
      // Read to its end even when empty: a response left unread shows as an aborted request.
      const body = await res.text();
      if (res.status === 200) {
        swap(body);
        etag = res.headers.get("etag");
        say("live", false);
      } else if (res.status === 401) {
        say("signed out: reload the page to sign in again", true);
        return;
      } else if (res.status !== 204) {
        say("the daemon answered " + res.status + "; trying again", true);
      }
    } catch (err) {
      say("the daemon does not answer; trying again", true);
    }
    tick();
    setTimeout(poll, POLL_MS);
  };
  reckon(fleet());
  const meta = document.querySelector('meta[name="berth-etag"]');
  etag = meta ? meta.content : null;
  setInterval(tick, 1000);
  setTimeout(poll, POLL_MS);
})();`;
