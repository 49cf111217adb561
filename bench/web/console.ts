/**
 * The console renderer on 5 MB (prints figures; bounded to about half a minute):
 *  1. AnsiRenderer in Bun: plain lines, coloured lines, 256-colour lines, and plain lines held
 *     behind an unterminated OSC or DCS, pushed in 4 KB and 64 KB chunks (target < 1 s each).
 *  2. The same renderer in headless Chromium (/assets/ansi.js) on the worst of them.
 *  3. The build page in Chromium: from navigation until the whole 5 MB console is on the page,
 *     streamed over SSE in 16 KB events (target < 1 s for the rendering; the page moves 5 MB too).
 * Run: npx bun bench/web/console.ts
 */
import { createApp } from "../../src/web/app.ts";
import { AnsiRenderer } from "../../src/web/ansi.ts";
import { launchBrowser } from "../../test/support/browser.ts";
import { createFixture, failSecondItem } from "../../test/integration/web/fixture.ts";

const SIZE = 5_000_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const fill = (line: (n: number) => string) => {
  const parts: string[] = [];
  let size = 0;
  for (let n = 0; size < SIZE; n++) {
    parts.push(line(n));
    size += parts.at(-1)!.length;
  }
  return parts.join("");
};
const plainLine = (n: number) => `ERROR ${String(n).padStart(6, "0")}: something went wrong in step ${n}, see above\n`;
const inputs: [string, string][] = [
  ["plain lines", fill(plainLine)],
  ["coloured lines (16 colours)", fill((n) => `\x1b[1;31mERROR\x1b[0m ${String(n).padStart(6, "0")}: \x1b[33mstep ${n}\x1b[0m failed, see above\n`)],
  ["256-colour lines", fill((n) => `\x1b[38;5;${n % 256}mline ${n}\x1b[0m \x1b[48;5;236m${"x".repeat(40)}\x1b[0m\n`)],
  ["plain lines after an unterminated OSC", `\x1b]8;;${fill(plainLine)}`],
  ["plain lines after an unterminated DCS", `\x1bP${fill(plainLine)}`],
];

// 1. Bun
for (const [name, text] of inputs) {
  for (const chunk of [4096, 65_536]) {
    const times: number[] = [];
    for (let round = 0; round < 3; round++) {
      const r = new AnsiRenderer();
      const t0 = performance.now();
      for (let i = 0; i < text.length; i += chunk) r.push(text.slice(i, i + chunk));
      r.end();
      times.push(performance.now() - t0);
    }
    console.log(`Bun, 5 MB of ${name} in ${chunk / 1024} KB chunks: median ${median(times).toFixed(0)} ms (target < 1000 ms)`);
  }
}

// 2 and 3. Chromium
const f = createFixture();
failSecondItem(f);
/** Builds whose consoles hold the OSC case and the coloured case, written in 16 KB events. */
const consoles = new Map<string, string>([
  [f.buildOf("check", "1101", "unit")!, inputs[3]![0]],
  [f.buildOf("check", "1101", "lint")!, inputs[1]![0]],
]);
for (const [id, name] of consoles) {
  const text = inputs.find(([n]) => n === name)![1];
  const w = f.hub.open(id);
  for (let i = 0; i < text.length; i += 16_384) w.stdout(new TextEncoder().encode(text.slice(i, i + 16_384)));
  f.finish(id, "SUCCESS", "\x1b[32mall done\x1b[0m\n");
}
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: createApp(f.ctx).fetch, idleTimeout: 60 });
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  for (const [id, name] of consoles) {
    const pageTimes: number[] = [];
    for (let round = 0; round < 3; round++) {
      const t0 = performance.now();
      await page.goto(`http://127.0.0.1:${server.port}/builds/${id}`);
      await page.waitForFunction(() => document.getElementById("console-state")?.textContent?.startsWith("complete"), null, { timeout: 60_000, polling: 10 });
      pageTimes.push(performance.now() - t0);
    }
    const parts = await page.locator("#console .part").count();
    console.log(`Chromium, build page with 5 MB of ${name} (16 KB events, ${parts} parts): median ${median(pageTimes).toFixed(0)} ms from navigation to complete`);
  }
  for (const [name, text] of [inputs[1]!, inputs[3]!]) {
    const ms = await page.evaluate((t) => {
      const r = new (window as unknown as { AnsiRenderer: new () => { push(s: string): string; end(): string } }).AnsiRenderer();
      const start = performance.now();
      for (let i = 0; i < t.length; i += 16_384) r.push(t.slice(i, i + 16_384));
      r.end();
      return performance.now() - start;
    }, text);
    console.log(`Chromium, renderer, 5 MB of ${name} in 16 KB chunks: ${ms.toFixed(0)} ms (target < 1000 ms)`);
  }
} finally {
  await browser.close();
  await server.stop(true);
  f.close();
}
