import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveApp } from "./serve-app.ts";
import { launchBrowser, type TestBrowser } from "../../support/browser.ts";
import { createFixture, type Fixture } from "../../integration/web/fixture.ts";

/**
 * The history page's charts in headless Chromium, with the page's own style sheet: each legend
 * entry is drawn in its series' colour (a style rule once muted every legend to grey).
 */
let f: Fixture;
let server: ReturnType<typeof Bun.serve>;
let browser: TestBrowser;

beforeAll(async () => {
  f = createFixture();
  server = serveApp(f.ctx);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop(true);
  f?.close();
});

describe("chart legends", () => {
  it("keep their series' colours: the swatch and the name are painted like the line", async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.port}/history`);
    await page.locator("svg.chart").first().waitFor();
    const entries = await page.locator("svg.chart").evaluateAll((charts) =>
      charts.flatMap((chart) =>
        [...chart.querySelectorAll("g.legend")].map((g) => {
          const name = g.getAttribute("data-series") ?? "";
          const line = [...chart.querySelectorAll("g.series")].find((s) => s.getAttribute("data-name") === name)?.querySelector("polyline");
          const swatch = g.querySelector(".legend-swatch");
          const text = g.querySelector("text");
          return {
            name,
            line: line ? getComputedStyle(line).stroke : "no line",
            swatch: swatch ? getComputedStyle(swatch).fill : "no swatch",
            text: text ? getComputedStyle(text).fill : "no text",
            weight: text ? getComputedStyle(text).fontWeight : "",
          };
        }),
      ),
    );
    expect(entries.length).toBeGreaterThan(0);
    const muted = await page.evaluate(() => {
      const probe = document.createElement("span");
      probe.className = "muted";
      document.body.append(probe);
      return getComputedStyle(probe).color;
    });
    for (const e of entries) {
      expect(e.line, e.name).toMatch(/^rgb\(/);
      expect(e.swatch, e.name).toBe(e.line);
      expect(e.text, e.name).toBe(e.line);
      expect(e.swatch, e.name).not.toBe(muted);
      expect(e.weight, e.name).toBe("600");
    }
    // Different series, different colours.
    const perChart = new Set(entries.map((e) => e.swatch));
    expect(perChart.size).toBeGreaterThan(1);
    await page.close();
  });
});
