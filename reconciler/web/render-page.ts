/**
 * The fleet view's whole documents: the page (the content of
 * render-fleet.ts in a shell with its inline style and script) and the
 * sign-in page shown when BERTH_STATUS_TOKEN is set and the browser has
 * not given it yet.
 */
import type { DaemonStatus } from "../loop/status.ts";
import { escapeHtml } from "./escape-html.ts";
import { PAGE_SCRIPT } from "./page-script.ts";
import { PAGE_STYLE } from "./page-style.ts";
import { renderFleet } from "./render-fleet.ts";

export interface PageOptions {
  /** The ETag of this status: the script's first poll sends it, so an unchanged fleet answers 204. */
  readonly etag?: string;
  /** True when a token guards the page: a sign-out button is shown. */
  readonly signedIn?: boolean;
}

function shell(title: string, body: string, head = ""): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,"><title>${escapeHtml(title)}</title>${head}<style>${PAGE_STYLE}</style></head><body>${body}</body></html>`
  );
}

export function renderPage(status: DaemonStatus, now: number, opts: PageOptions = {}): string {
  const header = `<header><h1>berth · ${escapeHtml(status.owner)}</h1><span class="note">read-only fleet view: git is the only way to change the fleet</span> <span id="live" role="status" aria-live="polite"></span></header>`;
  const signOut = opts.signedIn ? `<form method="post" action="ui/logout" class="login"><button type="submit">Sign out</button></form>` : "";
  const footer = `<footer><noscript><p class="note">Without JavaScript this page shows the fleet as it was when loaded: reload it to see it again.</p></noscript>${signOut}</footer>`;
  const head = opts.etag ? `<meta name="berth-etag" content="${escapeHtml(opts.etag)}">` : "";
  return shell(`berth · ${status.owner}`, `${header}${renderFleet(status, now)}${footer}<script>${PAGE_SCRIPT}</script>`, head);
}

/** Asks for the status token; `problem` says why it is asked again. The token is posted, never put in the URL. */
export function renderSignIn(problem?: string): string {
  const body =
    `<header><h1>berth</h1></header><main><h2>Sign in</h2>` +
    `<p>This fleet view needs the token <code>berth run</code> was started with (BERTH_STATUS_TOKEN).</p>` +
    (problem ? `<p class="reason" role="alert"><span class="badge bad">refused</span> ${escapeHtml(problem)}</p>` : "") +
    `<form method="post" action="ui/login" class="login"><label for="token">Status token</label> <input id="token" name="token" type="password" autocomplete="current-password" required autofocus> <button type="submit">Sign in</button></form></main>`;
  return shell("berth · sign in", body);
}
