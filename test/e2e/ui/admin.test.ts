import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { serveApp } from "./serve-app.ts";
import { launchBrowser, type TestBrowser } from "../../support/browser.ts";
import { createFixture, type Fixture, failSecondItem, TOKEN } from "../../integration/web/fixture.ts";

/**
 * Admin in the browser, in headless Chromium against a real server (Bun.serve on 127.0.0.1 with
 * the Host allow-list gatebox serve gives it) fed by the real scheduler: the buttons only for an
 * admin session, a dequeue and a re-run done from the pages and logged with the session, and a
 * form posted from another origin refused although the browser sends the session cookie.
 */
let f: Fixture;
let server: ReturnType<typeof Bun.serve>;
let evil: ReturnType<typeof Bun.serve>;
let base: string;
let browser: TestBrowser;
const lines: string[] = [];

beforeAll(async () => {
  f = createFixture();
  failSecondItem(f);
  server = serveApp({ ...f.ctx, log: (l) => lines.push(l) }, true);
  base = `http://127.0.0.1:${server.port}`;
  // Another origin on the same host (another port): what a page an attacker got onto this
  // machine would be. Same site, so the browser sends the SameSite=Strict cookie with its form.
  const attack = `<!doctype html><form method="post" action="${base}/api/dequeue"><input name="pipeline" value="gate"><input name="change" value="1003"></form><script>document.forms[0].submit()</script>`;
  evil = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(attack, { headers: { "content-type": "text/html" } }) });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop(true);
  await evil?.stop(true);
  f?.close();
});

/** Accepts every confirm() and keeps what it asked. */
function confirmAll(page: Page): string[] {
  const asked: string[] = [];
  page.on("dialog", (d) => {
    asked.push(d.message());
    void d.accept();
  });
  return asked;
}

it("shows the admin buttons only after signing in, and dequeues from the status page", async () => {
  const finishedBuild = f.buildOf("gate", "1001", "lint");
  expect(finishedBuild).not.toBeNull();
  const page = await browser.newPage();
  const asked = confirmAll(page);
  await page.goto(`${base}/`);
  const gate = page.locator('[data-pipeline="gate"]');
  await gate.locator('.item[data-change="1004"]').waitFor();
  await page.locator("#signin-link").waitFor();
  // Not signed in: no admin button anywhere, even after redraws.
  await page.waitForTimeout(1200);
  expect(await page.locator("button[data-admin]").count()).toBe(0);

  await page.click("#signin-link");
  await page.fill('input[name="token"]', "not-the-token");
  await page.click('#signin-form button[type="submit"]');
  expect(await page.locator("#signin-error").textContent()).toContain("That is not the admin token");
  await page.fill('input[name="token"]', TOKEN);
  await page.click('#signin-form button[type="submit"]');
  await page.waitForURL(`${base}/`);
  const label = await page.locator("#signout span").textContent();
  expect(label).toMatch(/^admin [0-9a-f]{8}$/);
  const session = label!.slice("admin ".length);
  expect(lines).toContain(`gatebox web: admin session ${session} signed in from 127.0.0.1 (for 12 h)`);

  // Signed in: dequeue on every item, promote in the gate on all but the first, none in check.
  const item = gate.locator('.item[data-change="1004"]');
  await item.locator('button[data-admin="dequeue"]').waitFor();
  expect(await gate.locator('.item[data-change="1001"] button[data-admin="promote"]').count()).toBe(0);
  await page.waitForTimeout(1200); // a redraw or more: each item still has its buttons once
  expect(await item.locator('button[data-admin="promote"]').count()).toBe(1);
  expect(await item.locator('button[data-admin="dequeue"]').count()).toBe(1);
  expect(await page.locator('[data-pipeline="check"] button[data-admin="promote"]').count()).toBe(0);
  expect(await page.locator('[data-pipeline="check"] button[data-admin="dequeue"]').count()).toBe(1);

  await item.locator('button[data-admin="dequeue"]').click();
  await item.waitFor({ state: "detached" });
  expect(asked).toEqual(["Dequeue change 1004 from gate?"]);
  expect(await page.locator("#admin-result").textContent()).toBe("Done: dequeued 1004 from gate.");
  expect(f.calls).toEqual([{ action: "dequeue", req: { pipeline: "gate", change: 1004 } }]);
  expect(lines).toContain(`gatebox web: admin session ${session} from 127.0.0.1 dequeued 1004 from gate`);

  // The page redraws every second: a button pressed before a redraw and released after it
  // (a new button in the same place) still acts.
  const promote = gate.locator('.item[data-change="1003"] button[data-admin="promote"]');
  const at = (await promote.boundingBox())!;
  await page.mouse.move(at.x + at.width / 2, at.y + at.height / 2);
  await page.mouse.down();
  const pressed = await promote.elementHandle();
  await expect.poll(() => pressed!.evaluate((e) => e.isConnected), { timeout: 5000 }).toBe(false);
  await page.mouse.up();
  await expect.poll(() => page.locator("#admin-result").textContent()).toBe("Done: promoted 1003 in gate.");
  expect(asked.at(-1)).toBe("Promote change 1003 to the head of its gate queue? Every item in the queue is tested again.");
  expect(f.calls.at(-1)).toEqual({ action: "promote", req: { pipeline: "gate", change: 1003 } });

  // A form posted from another origin carries the cookie but is refused, and nothing happens.
  const refused = page.waitForResponse((r) => r.url() === `${base}/api/dequeue`);
  await page.goto(`http://127.0.0.1:${evil.port}/`);
  const res = await refused;
  expect(res.status()).toBe(403);
  expect(await res.text()).toContain("cross-site request refused: it comes from another site (Sec-Fetch-Site: same-site)");
  expect(f.calls).toHaveLength(2);
  expect(await page.evaluate(() => document.cookie)).toBe(""); // HttpOnly: the page's scripts never see it

  // Re-run from a finished build's page: the change enters the pipeline again. A running build's
  // page has no button.
  const running = f.buildOf("gate", "1001", "lint"); // the promotion reset 1001: a new lint runs
  expect(running).not.toBeNull();
  expect(running).not.toBe(finishedBuild);
  await page.goto(`${base}/builds/${running}`);
  await page.locator("#signout").waitFor();
  await page.waitForTimeout(500);
  expect(await page.locator("button[data-admin]").count()).toBe(0);
  await page.goto(`${base}/builds/${finishedBuild}`);
  const rerun = page.locator('#build button[data-admin="enqueue"]');
  await rerun.waitFor();
  expect(await page.locator("button[data-admin]").count()).toBe(1);
  await rerun.click();
  await expect.poll(() => page.locator("#admin-result").textContent()).toBe("Done: enqueued 1001 into gate. Reload the page to see it.");
  expect(asked.at(-1)).toBe("Re-run change 1001 (acme/app) in gate: enqueue it again at its current patch set?");
  expect(f.calls.at(-1)).toEqual({ action: "enqueue", req: { pipeline: "gate", project: "acme/app", change: 1001 } });
  expect(lines).toContain(`gatebox web: admin session ${session} from 127.0.0.1 enqueued 1001 (acme/app) into gate`);

  // Signing out takes the buttons away again.
  await page.goto(`${base}/`);
  await page.locator("#signout button").click();
  await page.waitForURL(`${base}/`);
  await page.locator("#signin-link").waitFor();
  await gate.locator(".item").first().waitFor();
  await page.waitForTimeout(1200);
  expect(await page.locator("button[data-admin]").count()).toBe(0);
  expect(lines).toContain(`gatebox web: admin session ${session} signed out from 127.0.0.1`);
  expect(browser.cspViolations).toEqual([]);
  await page.close();
}, 60_000);
