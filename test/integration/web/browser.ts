/**
 * Debian's chromium, headless, driven by puppeteer-core (which downloads
 * no browser). Missing chromium skips the browser tests on a laptop and
 * fails them in CI (CI=true), like a missing engine.
 */
import { existsSync } from "node:fs";
import type { Context } from "mocha";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { missingPart } from "../../support/missing-part.ts";

export const CHROMIUM = process.env.BERTH_CHROMIUM ?? "/usr/bin/chromium";

export async function launchChromium(ctx: Context): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    missingPart(ctx, "the browser tests", `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y --no-install-recommends chromium)`);
  }
  // CI runs as root, where chromium's sandbox cannot start.
  return puppeteer.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--headless=new"] });
}

/** Console errors and uncaught exceptions of `page`, as they happen. */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()} ${m.location().url ?? ""}`);
  });
  page.on("pageerror", (err) => errors.push(`page error: ${err instanceof Error ? err.message : String(err)}`));
  page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  return errors;
}

/** Bytes on the wire (headers and compressed body) of every response `page` receives, by URL path. */
export async function transferSizes(page: Page): Promise<Map<string, number>> {
  const cdp = await page.createCDPSession();
  await cdp.send("Network.enable");
  const urls = new Map<string, string>();
  const sizes = new Map<string, number>();
  cdp.on("Network.responseReceived", (e) => urls.set(e.requestId, new URL(e.response.url).pathname));
  cdp.on("Network.loadingFinished", (e) => {
    const path = urls.get(e.requestId);
    if (path !== undefined) sizes.set(path, e.encodedDataLength);
  });
  return sizes;
}
