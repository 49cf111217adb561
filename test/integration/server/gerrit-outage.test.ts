import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import { type RunningServer, startServer } from "../../../src/server/server.ts";
import { GerritSimulator } from "../../support/gerrit/simulator.ts";

// An outage an operator sees at once: Gerrit answering 503 to every request makes /healthz 503
// and puts a banner on the page; when Gerrit is back, both go.

let dir = "";
let server: RunningServer | null = null;
let sim: GerritSimulator | null = null;
afterEach(async () => {
  await server?.stop();
  await sim?.stop();
  server = null;
  sim = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, fn: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(200);
  }
}

it("Gerrit down: /healthz 503 and a banner on the page; back: 200 and no banner", async () => {
  dir = mkdtempSync(join(tmpdir(), "gatebox-outage-"));
  sim = await GerritSimulator.start();
  await sim.createProject("org/p");
  process.env.GATEBOX_TEST_OUTAGE_PW = sim.ci.password;
  const config = parseConfig(
    join(dir, "gatebox.yaml"),
    `
data-dir: ${join(dir, "data")}
connections: {gerrit: {url: "${sim.url}", user: ${sim.ci.username}, password: {env: GATEBOX_TEST_OUTAGE_PW}, poll-interval: 1s, timeout: 2s}}
executors: [{name: here, type: local, capacity: 1}]
pipelines: [{name: check, manager: independent, trigger: {gerrit: [{event: patchset-created}]}}]
jobs: [{name: unit, image: none, run: "true"}]
projects: [{name: org/p, check: {jobs: [unit]}}]
`,
  );
  server = await startServer({ config, listen: { host: "127.0.0.1", port: 0 }, consoleListen: null, log: () => {} });
  const s = server;
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
