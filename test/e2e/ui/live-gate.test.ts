import { afterEach, expect, it } from "vitest";
import { join } from "node:path";
import { REPO_ROOT } from "../../support/binary.ts";
import { launchBrowser, type TestBrowser } from "../../support/browser.ts";
import { approveInOrder, PROJECT, type Running, setUp, startGatebox, until, uploadFive, type Workspace } from "../harness.ts";

// The status and build pages in headless Chromium during a real gate run: the compiled binary,
// the Gerrit simulator and Docker. Change 3 breaks the tests at once; the others print a line a
// second for a while (20 s: long enough that on a loaded machine the items ahead of 3 are still
// running, and 3 still shown branched off, once all five are approved), so the page can be
// watched while they run.
const JOB = [
  `cd /work/${PROJECT}`,
  'if [ -f BROKEN ]; then echo "tests fail: BROKEN is present"; exit 1; fi',
  "for i in $(seq 1 20); do echo \"step $i\"; sleep 1; done",
  'printf "\\033[32mall tests passed\\033[0m\\n"',
].join("\n");

let ws: Workspace | null = null;
let running: Running | null = null;
let browser: TestBrowser | null = null;

afterEach(async () => {
  running?.proc.kill("SIGKILL");
  running = null;
  await browser?.close();
  browser = null;
  await ws?.cleanup();
  ws = null;
});

interface StatusJson {
  pipelines: { name: string; queues: { items: { change: { id: string }; jobs: { job?: string; name?: string; state: string; buildId: number | null }[] }[] }[] }[];
}

it("shows the running gate as a tree with the failing change branched off, a live console, and a replay", async () => {
  ws = await setUp(1, JOB);
  const w = ws;
  const r = startGatebox(w.configPath, w.sim.ci.password, w.dir);
  running = r;
  await until("gatebox listening", () => r.output().includes("listening on"), 20_000, r.output);
  const base = `http://127.0.0.1:${w.port}`;
  const numbers = await uploadFive(w);
  const [c1, c2, c3, c4] = numbers.map(String) as [string, string, string, string, string];
  browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(`${base}/`);
  await approveInOrder(w, numbers, () => r);
  const gate = page.locator('[data-pipeline="gate"]');
  // Change 3 fails at once and branches off the line; 4 is then tested on 2.
  await gate.locator(`.item.branch[data-change="${c3}"]`).waitFor({ timeout: 60_000 });
  expect(await gate.locator(`[data-change="${c3}"] .badge`).first().textContent()).toContain("failing");
  await expect.poll(() => gate.locator(`[data-change="${c4}"] .item-meta`).first().textContent(), { timeout: 30_000 }).toContain(`tested on ${c2}`);
  expect(await gate.locator(`.item.branch[data-change="${c1}"]`).count()).toBe(0);
  // Owners by name (Gerrit's detailed accounts), not by account id.
  expect(await gate.locator(`[data-change="${c4}"] .item-meta`).first().textContent()).toContain("Ann");
  await page.screenshot({ path: join(REPO_ROOT, "docs/screenshots/live-gate.png"), fullPage: true });

  // A build of change 4 that is running now: its console shows lines as they arrive.
  const buildId = await until("a running build of change 4", async () => {
    const status = (await (await fetch(`${base}/api/status`)).json()) as StatusJson;
    const item = status.pipelines.find((p) => p.name === "gate")?.queues.flatMap((q) => q.items).find((i) => i.change.id === c4);
    const job = item?.jobs.find((j) => j.state === "running" && j.buildId !== null);
    return job ? String(job.buildId) : null;
  }, 60_000, r.output);
  const console_ = await browser.newPage();
  await console_.goto(`${base}/builds/${buildId}`);
  await expect.poll(() => console_.locator("#console").textContent(), { timeout: 20_000 }).toMatch(/step \d+/);
  const seen = (await console_.locator("#console").textContent()) ?? "";
  const before = Number(/step (\d+)\s*$/.exec(seen.trim())?.[1] ?? 0);
  expect(await console_.locator("#console-state").textContent()).toBe("live");
  await expect.poll(async () => Number(/step (\d+)\s*$/.exec(((await console_.locator("#console").textContent()) ?? "").trim())?.[1] ?? 0), { timeout: 10_000 }).toBeGreaterThan(before);
  await expect.poll(() => console_.locator("#console-state").textContent(), { timeout: 60_000 }).toBe("complete: SUCCESS");
  expect(await console_.locator("#console .ansi-fg-2").last().textContent()).toBe("all tests passed");

  // The recording replays at 10×: 20 s of output in a couple of seconds.
  const t0 = Date.now();
  await console_.click('[data-speed="10"]');
  await expect.poll(() => console_.locator("#console-state").textContent(), { timeout: 10_000 }).toBe("replay done");
  expect(Date.now() - t0).toBeLessThan(6000);
  expect(await console_.locator("#console").textContent()).toContain("step 20");
}, 240_000);
