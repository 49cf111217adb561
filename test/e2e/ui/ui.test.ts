import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleHub } from "../../../src/logs/console-hub.ts";
import { createApp } from "../../../src/web/app.ts";
import { launchBrowser, type TestBrowser } from "../../support/browser.ts";
import { createFixture, type Fixture, failSecondItem } from "../../integration/web/fixture.ts";

/**
 * The UI in headless Chromium against a real server (Bun.serve on 127.0.0.1) fed by the real
 * scheduler: a gate with a failing item branched off, a live console, a replayed recording.
 * Saves screenshots of the pages to docs/screenshots/.
 */
const SHOTS = join(import.meta.dirname, "../../../docs/screenshots");
let f: Fixture;
let server: ReturnType<typeof Bun.serve>;
let base: string;
let browser: TestBrowser;

beforeAll(async () => {
  f = createFixture();
  failSecondItem(f);
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: createApp(f.ctx).fetch, idleTimeout: 60 });
  base = `http://127.0.0.1:${server.port}`;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop(true);
  f?.close();
});

describe("status page", () => {
  it("draws the gate as a tree with the failing item branched off, and updates live", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    const gate = page.locator('[data-pipeline="gate"]');
    await gate.locator(".item").first().waitFor();
    expect(await gate.locator(".item").evaluateAll((els) => els.map((e) => `${e.getAttribute("data-change")}:${e.classList.contains("branch")}`))).toEqual([
      "1001:false",
      "1002:true",
      "1003:false",
      "1004:false",
    ]);
    const failing = gate.locator('[data-change="1002"]');
    expect(await failing.locator(".badge").textContent()).toContain("a voting job failed");
    expect(await gate.locator('[data-change="1001"] [data-job="integration"] .why').textContent()).toBe("waiting for a job it depends on");
    await expect.poll(() => page.locator("#live").textContent()).toContain("live");
    await page.screenshot({ path: join(SHOTS, "status.png"), fullPage: true });

    // A change arrives: drawn without a reload.
    f.feed({ type: "dequeue", pipeline: "gate", changeId: "1004" });
    await page.locator('[data-pipeline="gate"] [data-change="1004"]').waitFor({ state: "detached" });
    await page.close();
  });

  it("filters by change, project and owner, bookmarkably; fits a phone", async () => {
    const page = await browser.newPage({ width: 390, height: 844 });
    await page.goto(`${base}/?owner=grace`);
    await page.locator('[data-change="1002"]').first().waitFor();
    expect(await page.locator(".item").count()).toBe(1);
    expect(await page.inputValue('input[name="owner"]')).toBe("grace");
    await page.fill('input[name="owner"]', "");
    await page.fill('input[name="change"]', "1101");
    await expect.poll(() => new URL(page.url()).searchParams.get("change")).toBe("1101");
    await expect.poll(() => page.locator(".item").count()).toBe(1);
    expect(await page.locator('[data-pipeline="check"] [data-change="1101"]').count()).toBe(1);
    // nothing wider than the screen
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.goto(`${base}/`);
    await page.locator('[data-change="1001"]').first().waitFor();
    await page.screenshot({ path: join(SHOTS, "status-phone.png"), fullPage: true });
    await page.close();
  });
});

describe("status page, a gate whose window holds only the head", () => {
  it("draws the items outside the window waiting in line, and a failing head branched off", async () => {
    const g = createFixture({ gateWindow: 1 });
    const srv = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: createApp(g.ctx).fetch, idleTimeout: 60 });
    const page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${srv.port}/`);
      const gate = page.locator('[data-pipeline="gate"]');
      await gate.locator(".item").first().waitFor();
      const shape = () =>
        gate
          .locator(".item")
          .evaluateAll((els) =>
            els.map((e) => `${e.getAttribute("data-change")}${e.classList.contains("branch") ? " ↳" : ""}: ${e.querySelector(".place")?.textContent}`),
          );
      expect(await shape()).toEqual([
        "1001: tested on the branch tip",
        "1002: waiting behind 1001 · outside the window",
        "1003: waiting behind 1002 · outside the window",
        "1004: waiting behind 1003 · outside the window",
      ]);
      expect(await gate.locator('[data-change="1002"] .badge').textContent()).toBe("waiting");
      expect(await gate.locator('[data-change="1002"] [data-job="unit"] .why').textContent()).toBe("outside the active window");
      // The head fails (lint still runs, so it stays): it branches off; the line starts at 1002.
      g.clock.now += 60;
      g.finish(g.buildOf("gate", "1001", "unit")!, "FAILURE", "boom\n");
      await expect.poll(shape).toEqual([
        "1001 ↳: tested on the branch tip",
        "1002: waiting · outside the window",
        "1003: waiting behind 1002 · outside the window",
        "1004: waiting behind 1003 · outside the window",
      ]);
      expect(await gate.locator('[data-change="1001"] .badge').textContent()).toContain("a voting job failed");
    } finally {
      await page.close();
      await srv.stop(true);
      g.close();
    }
  });
});

describe("build page", () => {
  it("shows the console live, with colours, then complete", async () => {
    const id = f.buildOf("gate", "1003", "unit")!;
    const page = await browser.newPage();
    await page.goto(`${base}/builds/${id}`);
    await expect.poll(() => page.locator("#console").textContent()).toContain("$ make unit");
    const w = f.hub.open(id);
    w.stdout(new TextEncoder().encode("\x1b[33mcollecting 120 tests\x1b[0m\n"));
    await expect.poll(() => page.locator("#console").textContent()).toContain("collecting 120 tests");
    expect(await page.locator("#console .ansi-fg-3").textContent()).toBe("collecting 120 tests");
    expect(await page.locator("#console-state").textContent()).toBe("live");
    f.finish(id, "SUCCESS", "\x1b[32m120 passed\x1b[0m in 3.1s\n");
    await expect.poll(() => page.locator("#console-state").textContent()).toBe("complete: SUCCESS");
    expect(await page.locator("#console .ansi-fg-2").textContent()).toBe("120 passed");
    expect(await page.locator(".state li").allTextContents()).toEqual([expect.stringContaining("1001"), expect.stringContaining("1003")]);
    await page.screenshot({ path: join(SHOTS, "build.png"), fullPage: true });
    await page.close();
  });

  it("replays the recording at 10×", async () => {
    // A console written on a clock of our own: three lines a second apart.
    let ms = Date.now();
    const hub = new ConsoleHub(join(f.dir, "logs"), () => ms);
    const id = f.buildOf("gate", "1001", "lint")!;
    const path = f.hub.pathOf(id);
    await Bun.write(path, ""); // replace the lint console with a timed one
    const w = hub.open(id);
    for (const n of [1, 2, 3]) {
      w.stdout(new TextEncoder().encode(`step ${n}\n`));
      ms += 1000;
    }
    w.close("SUCCESS");
    const page = await browser.newPage();
    await page.goto(`${base}/builds/${id}`);
    await expect.poll(() => page.locator("#console-state").textContent()).toContain("complete");
    const t0 = Date.now();
    await page.click('[data-speed="10"]');
    await expect.poll(() => page.locator("#console-state").textContent()).toBe("replaying 10×");
    await expect.poll(() => page.locator("#console-state").textContent(), { timeout: 5000 }).toBe("replay done");
    const took = Date.now() - t0;
    expect(await page.locator("#console").textContent()).toBe("step 1\nstep 2\nstep 3\n");
    // 2 s of recording at 10× is about 0.2 s: well under the 2 s it takes at 1×.
    expect(took).toBeLessThan(1800);
    await page.close();
  });
});

describe("history and builds pages", () => {
  it("draws the charts and the builds table", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/history`);
    expect(await page.locator("svg.chart").count()).toBe(3);
    expect(await page.locator("#chart-durations polyline").count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, "history.png"), fullPage: true });
    await page.goto(`${base}/builds?pipeline=gate`);
    expect(await page.locator("#builds tbody tr").count()).toBeGreaterThan(5);
    await page.screenshot({ path: join(SHOTS, "builds.png"), fullPage: true });
    await page.close();
  });
});
