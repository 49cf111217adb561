import { mkdtempSync, rmSync } from "node:fs";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/**
 * Headless Debian Chromium driven by playwright-core, never a downloaded browser. Fails loudly
 * when it is missing (run `apt-get install -y chromium`). Each launch gets a fresh profile,
 * removed on close; no network beyond loopback is used by the tests.
 */
export interface TestBrowser {
  context: BrowserContext;
  /** What any page's console said about the Content Security Policy refusing something. */
  cspViolations: string[];
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run apt-get install -y chromium`);
  const profile = mkdtempSync(join(tmpdir(), "gatebox-chromium-"));
  // Playwright passes the fresh profile as --user-data-dir itself (it refuses the flag in args).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const cspViolations: string[] = [];
  context.on("console", (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) cspViolations.push(msg.text());
  });
  return {
    context,
    cspViolations,
    async newPage(viewport = { width: 1280, height: 900 }) {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
