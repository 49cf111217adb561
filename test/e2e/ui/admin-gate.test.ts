import { readFileSync, writeFileSync } from "node:fs";
import { afterEach, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../../support/browser.ts";
import { gateItems, PROJECT, perTest, until } from "../harness.ts";

// Admin in the browser as a user runs it: the compiled binary with web.admin-token, the Gerrit
// simulator and Docker. Sign in on the page, dequeue a change from the status tree: it leaves the
// gate, and gatebox's own log names the session that did it.
const ADMIN_TOKEN = "e2e-admin-token-5d1c";
const JOB = [`cd /work/${PROJECT}`, "sleep 60", 'echo "all tests passed"'].join("\n");
const run = perTest();
let browser: TestBrowser | null = null;
afterEach(async () => {
  await browser?.close();
  browser = null;
});

it("signs in on the page and dequeues a change from the gate, logged with the session", async () => {
  const w = await run.setUp(1, JOB);
  writeFileSync(w.configPath, readFileSync(w.configPath, "utf8").replace("web:\n", "web:\n  admin-token: {env: GATEBOX_TEST_ADMIN_TOKEN}\n"));
  process.env["GATEBOX_TEST_ADMIN_TOKEN"] = ADMIN_TOKEN;
  const r = run.start(w);
  await until("gatebox listening", () => r.output().includes("listening on"), 20_000, r.output);
  const base = `http://127.0.0.1:${w.port}`;
  const numbers: number[] = [];
  for (const i of [1, 2]) numbers.push(await w.sim.uploadChange(PROJECT, { files: { [`f${i}.txt`]: `${i}\n` }, message: `Change ${i}\n` }));
  for (const n of numbers) {
    await w.sim.approve(n, "Code-Review", 2, "bob");
    await w.sim.approve(n, "Workflow", 1, "bob");
  }
  const second = String(numbers[1]);
  await until("both changes in the gate", async () => (await gateItems(w.port)).length === 2, 60_000, r.output);

  browser = await launchBrowser();
  const page = await browser.newPage();
  const asked: string[] = [];
  page.on("dialog", (d) => {
    asked.push(d.message());
    void d.accept();
  });
  await page.goto(`${base}/`);
  const item = page.locator(`[data-pipeline="gate"] .item[data-change="${second}"]`);
  await item.waitFor({ timeout: 30_000 });
  expect(await page.locator("button[data-admin]").count()).toBe(0);

  await page.click("#signin-link");
  await page.fill('input[name="token"]', ADMIN_TOKEN);
  await page.click('#signin-form button[type="submit"]');
  await page.waitForURL(`${base}/`);
  const session = ((await page.locator("#signout span").textContent()) ?? "").replace("admin ", "");
  expect(session).toMatch(/^[0-9a-f]{8}$/);

  await item.locator('button[data-admin="dequeue"]').click();
  await item.waitFor({ state: "detached", timeout: 30_000 });
  expect(asked).toEqual([`Dequeue change ${second} from gate?`]);
  expect(await page.locator("#admin-result").textContent()).toBe(`Done: dequeued ${second} from gate.`);
  expect(await gateItems(w.port)).toEqual([String(numbers[0])]);
  await until("the log line", () => r.output().includes(`gatebox web: admin session ${session} from 127.0.0.1 dequeued ${second} from gate`), 10_000, r.output);
  expect(r.output()).not.toContain(ADMIN_TOKEN);
}, 240_000);
