import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import { type RunningServer, startServer } from "../../../src/server/server.ts";

let dir = "";
let server: RunningServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("comes up while Gerrit is unreachable, says so, and keeps trying", async () => {
  dir = mkdtempSync(join(tmpdir(), "gatebox-gerrit-down-"));
  // Port 1 on loopback: nothing listens there, so every connection is refused at once.
  const config = parseConfig(
    join(dir, "gatebox.yaml"),
    `
data-dir: ${join(dir, "data")}
connections: {gerrit: {url: "http://127.0.0.1:1", user: ci, password: {env: GATEBOX_TEST_PW}, timeout: 2s}}
pipelines: [{name: check, manager: independent, trigger: {gerrit: [{event: patchset-created}]}}]
jobs: [{name: unit, image: gatebox-test/busybox:latest, run: "true"}]
projects: [{name: org/p, check: {jobs: [unit]}}]
`,
  );
  process.env.GATEBOX_TEST_PW = "secret-password-123";
  const lines: string[] = [];
  server = await startServer({ config, listen: { host: "127.0.0.1", port: 0 }, consoleListen: null, log: (l) => lines.push(l) });
  const health = await fetch(`${server.url}/healthz`);
  expect(health.status).toBe(200);
  const deadline = Date.now() + 30_000;
  while (!lines.some((l) => l.includes("cannot start polling")) && Date.now() < deadline) await Bun.sleep(100);
  expect(lines.find((l) => l.includes("cannot start polling"))).toMatch(/127\.0\.0\.1:1.*trying again/);
  // The password is never in what gatebox says.
  expect(lines.join("\n")).not.toContain("secret-password-123");
}, 60_000);
