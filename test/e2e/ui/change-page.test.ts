import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningServer } from "../../../src/server/server.ts";
import type { ChangeJson } from "../../../src/web/change-view.ts";
import { launchBrowser, type TestBrowser } from "../../support/browser.ts";
import type { GerritSimulator } from "../../support/gerrit/simulator.ts";
import { gateOnlyConfig, serverPerTest } from "../../integration/server/support.ts";

/**
 * The change page in headless Chromium: a real server (real git, Docker, SQLite) against the Gerrit
 * simulator, one case per reason a change is in no queue, and the status page leading to it. Every
 * page runs under the CSP: a violation fails the case.
 */
const env = serverPerTest("change-ui");
const SHOTS = join(import.meta.dirname, "../../../docs/screenshots");

// A change carrying SLOW keeps its build running long enough to be seen in the queue.
const CONFIG = gateOnlyConfig("cd /work/org/p; if [ -f SLOW ]; then sleep 20; fi");

let browser: TestBrowser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  expect(browser.cspViolations).toEqual([]);
});

async function start(): Promise<{ sim: GerritSimulator; server: RunningServer }> {
  const { sim, config } = await env.setUp(CONFIG);
  return { sim, server: await env.start(config) };
}

/** Polls the API until the change carries a reason of that kind (the gate acts on Gerrit's events a poll later). */
async function untilReason(server: RunningServer, n: number, kind: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const body = (await (await fetch(`${server.url}/api/changes/${n}`)).json()) as ChangeJson;
    if (body.reasons?.some((r) => r.kind === kind)) return;
    if (Date.now() > deadline) throw new Error(`change ${n} never got a ${kind} reason: ${JSON.stringify(body.reasons)}`);
    await Bun.sleep(250);
  }
}

async function open(server: RunningServer, n: number): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${server.url}/changes/${n}`);
  return page;
}

const reason = (page: Page, kind: string) => page.locator(`#reasons [data-reason="${kind}"]`);

it("lacking an approval: names the vote and the pipeline", async () => {
  const { sim, server } = await start();
  const n = await sim.uploadChange("org/p", { files: { "a.txt": "a\n" }, message: "Add a\n" });
  await sim.approve(n, "Code-Review", 2);
  const page = await open(server, n);
  expect(await page.locator("#change-state").textContent()).toBe("not in any queue");
  expect(await page.locator("#reasons h2, section:has(#reasons) h2").first().textContent()).toBe("Why it is in no queue");
  expect(await reason(page, "needs-approval").textContent()).toBe("needs Workflow +1 to enter gate");
  expect(await reason(page, "needs-approval").getAttribute("data-pipeline")).toBe("gate");
  expect(await page.locator("#no-pipelines").count()).toBe(1);
  await page.close();
}, 60_000);

it("waiting on a dependency: names it and links its page", async () => {
  const { sim, server } = await start();
  const dep = await sim.uploadChange("org/p", { files: { "dep.txt": "dep\n" }, message: "Add the base\n" });
  const n = await sim.uploadChange("org/p", { files: { "top.txt": "top\n" }, message: `Use the base\n\nDepends-On: ${sim.url}/c/org/p/+/${dep}\n` });
  await sim.approve(n, "Code-Review", 2);
  await sim.approve(n, "Workflow", 1);
  await untilReason(server, n, "waiting-on-dependency");
  const page = await open(server, n);
  const waits = reason(page, "waiting-on-dependency");
  expect(await waits.textContent()).toBe(`waits for change ${dep}, which it depends on, to enter gate (or merge) change ${dep}`);
  await waits.locator("a").click();
  await page.waitForURL(`${server.url}/changes/${dep}`);
  expect(await reason(page, "needs-approval").first().textContent()).toBe("needs Code-Review +2 to enter gate");
  await page.close();
}, 90_000);

it("work in progress: says the owner has not marked it ready", async () => {
  const { sim, server } = await start();
  const n = await sim.uploadChange("org/p", { files: { "w.txt": "w\n" }, message: "Half done\n", wip: true });
  const page = await open(server, n);
  expect(await reason(page, "work-in-progress").textContent()).toBe("work in progress: Gerrit will not submit it until the owner marks it ready for review");
  expect(await page.locator("#change-status").textContent()).toBe("NEW · work in progress");
  await page.close();
}, 60_000);

it("a merge conflict last time: shows git's message and the gate's history", async () => {
  const { sim, server } = await start();
  const n = await sim.uploadChange("org/p", { files: { "shared.txt": "mine\n" }, message: "Write shared\n" });
  const other = await sim.uploadChange("org/p", { files: { "shared.txt": "theirs\n" }, message: "Write shared too\n" });
  await sim.merge(other);
  await sim.approve(n, "Code-Review", 2);
  await sim.approve(n, "Workflow", 1);
  await untilReason(server, n, "merge-conflict");
  const page = await open(server, n);
  const conflict = reason(page, "merge-conflict");
  expect(await conflict.textContent()).toContain("did not merge onto the branch last time in gate (patchset 1): rebase it and upload a new patchset");
  expect(await conflict.locator(".reason-message").textContent()).toContain("shared.txt");
  const row = page.locator(`#pipelines .pipeline-row[data-pipeline="gate"]`);
  expect(await row.getAttribute("data-change")).toBe(String(n));
  expect(await row.getAttribute("data-project")).toBe("org/p");
  expect(await row.locator("td").nth(2).textContent()).toBe("MERGE_CONFLICT");
  expect(await page.locator(`#history .item-row[data-pipeline="gate"]`).count()).toBe(1);
  await page.screenshot({ path: join(SHOTS, "change.png"), fullPage: true });
  await page.close();
}, 90_000);

it("merged: says so", async () => {
  const { sim, server } = await start();
  const n = await sim.uploadChange("org/p", { files: { "m.txt": "m\n" }, message: "Merged by hand\n" });
  await sim.merge(n);
  const page = await open(server, n);
  expect(await reason(page, "merged").textContent()).toBe("merged: it needs no pipeline that tests open changes any more");
  expect(await page.locator("#change-status").textContent()).toBe("MERGED");
  await page.close();
}, 60_000);

it("the status page: a queued change links its page, a change in no queue says see why", async () => {
  const { sim, server } = await start();
  const queued = await sim.uploadChange("org/p", { files: { SLOW: "1\n" }, message: "Take a while\n" });
  const idle = await sim.uploadChange("org/p", { files: { "i.txt": "i\n" }, message: "Not approved\n" });
  await sim.approve(queued, "Code-Review", 2);
  await sim.approve(queued, "Workflow", 1);
  const page = await browser.newPage();
  await page.goto(`${server.url}/?change=${queued}`);
  const link = page.locator(`[data-pipeline="gate"] [data-change="${queued}"] a.change-link`);
  await link.waitFor({ timeout: 60_000 });
  expect(await page.locator("#not-queued").count()).toBe(0);
  await link.click();
  await page.waitForURL(`${server.url}/changes/${queued}`);
  expect(await page.locator("#change-state").textContent()).toBe("in a queue");
  const live = page.locator(`#queue-now .live-row[data-pipeline="gate"]`);
  expect(await live.getAttribute("data-change")).toBe(String(queued));
  expect(await live.getAttribute("data-project")).toBe("org/p");

  // The builds list and the build page link the change's page too.
  await expect
    .poll(async () => {
      await page.goto(`${server.url}/builds?change=${queued}`);
      return page.locator("#builds tbody tr").count();
    }, { timeout: 30_000 })
    .toBeGreaterThan(0);
  const row = page.locator("#builds tbody tr").first();
  expect(await row.locator(`a[href="/changes/${queued}"]`).textContent()).toBe(String(queued));
  await row.locator("td a").first().click();
  await page.waitForURL(/\/builds\/[^/?]+$/);
  await page.locator("#build-change").click();
  await page.waitForURL(`${server.url}/changes/${queued}`);

  await page.goto(`${server.url}/?change=${idle}`);
  const why = page.locator("#not-queued a");
  await why.waitFor();
  expect(await page.locator("#not-queued").textContent()).toBe(`Change ${idle} is not in any queue — see why.`);
  await why.click();
  await page.waitForURL(`${server.url}/changes/${idle}`);
  expect(await reason(page, "needs-approval").first().textContent()).toBe("needs Code-Review +2 to enter gate");
  await page.close();
}, 90_000);
