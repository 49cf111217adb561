import { expect, it } from "vitest";
import { serverPerTest } from "./support.ts";

// An outage an operator sees at once: Gerrit answering 503 to every request makes /healthz 503
// and puts a banner on the page; when Gerrit is back, both go.

const t = serverPerTest("outage");

async function until(what: string, fn: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(200);
  }
}

it("Gerrit down: /healthz 503 and a banner on the page; back: 200 and no banner", async () => {
  const { sim, config } = await t.setUp(
    `executors: [{name: here, type: local, capacity: 1}]
pipelines: [{name: check, manager: independent, trigger: {gerrit: [{event: patchset-created}]}}]
jobs: [{name: unit, image: none, run: "true"}]
projects: [{name: org/p, check: {jobs: [unit]}}]
`,
    "poll-interval: 1s, timeout: 2s",
  );
  const s = await t.start(config);
  const healthz = async () => (await fetch(`${s.url}/healthz`)).status;
  const page = async () => fetch(`${s.url}/`).then((r) => r.text());
  await until("polling works", async () => s.gate?.sourceHealth()?.lastOkAt != null, 20_000);
  expect(await healthz()).toBe(200);
  expect(await page()).not.toContain('role="alert"');

  sim.inject({ status: 503, body: "Service Unavailable", times: 1_000_000 });
  await until("/healthz 503", async () => (await healthz()) === 503, 60_000);
  const body = (await (await fetch(`${s.url}/healthz`)).json()) as { problems: { check: string; message: string }[] };
  expect(body.problems.map((p) => p.check)).toContain("gerrit");
  const html = await page();
  expect(html).toContain('role="alert"');
  expect(html).toMatch(/gerrit/i);

  sim.clearFaults();
  await until("/healthz 200 again", async () => (await healthz()) === 200, 60_000);
  expect(await page()).not.toContain('role="alert"');
}, 120_000);
