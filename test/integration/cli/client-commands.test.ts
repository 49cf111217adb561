import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import { type RunningServer, startServer } from "../../../src/server/server.ts";
import { createApp } from "../../../src/web/app.ts";
import { REPO_ROOT } from "../../support/binary.ts";
import { createFixture } from "../web/fixture.ts";

// The client commands against a running gatebox (no Gerrit: the pipelines are empty).
let dir = "";
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gatebox-cli-client-"));
  process.env.GATEBOX_TEST_ADMIN = "admin-token-for-tests";
  const config = parseConfig(
    join(dir, "gatebox.yaml"),
    `
data-dir: ${join(dir, "data")}
web: {admin-token: {env: GATEBOX_TEST_ADMIN}}
pipelines: [{name: gate, manager: dependent, trigger: {gerrit: [{event: comment-added, approval: {Workflow: 1}}]}}]
`,
  );
  server = await startServer({ config, listen: { host: "127.0.0.1", port: 0 }, consoleListen: null, log: () => {} });
});

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI in a child process (asynchronously: the server answers from this one). */
async function gatebox(args: string[], env: Record<string, string> = {}, url = server.url) {
  const proc = Bun.spawn([process.execPath, join(REPO_ROOT, "src/cli/main.ts"), ...args, "--url", url], {
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, status] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, status };
}

it("status prints the pipelines as text and as JSON", async () => {
  const text = await gatebox(["status"]);
  expect(text.status).toBe(0);
  expect(text.stdout).toContain("gate");
  const json = await gatebox(["status", "--json"]);
  expect(json.status).toBe(0);
  expect(JSON.parse(json.stdout).pipelines.map((p: { name: string }) => p.name)).toEqual(["gate"]);
});

it("admin commands need the token, and name what is wrong", async () => {
  const noToken = await gatebox(["dequeue", "--pipeline", "gate", "--change", "5"], { GATEBOX_ADMIN_TOKEN: "" });
  expect(noToken.status).not.toBe(0);
  const wrong = await gatebox(["dequeue", "--pipeline", "gate", "--change", "5"], { GATEBOX_ADMIN_TOKEN: "nope" });
  expect(wrong.status).not.toBe(0);
  expect(wrong.stderr).toMatch(/401|token/i);
  // With the token: the server is asked, and says there is nothing to act on (no Gerrit here).
  const ok = await gatebox(["dequeue", "--pipeline", "gate", "--change", "5"], { GATEBOX_ADMIN_TOKEN: "admin-token-for-tests" });
  expect(ok.status).not.toBe(0);
  expect(ok.stderr).toMatch(/no Gerrit connection is configured/);
  // A missing argument is a usage error (exit 2), before any request.
  expect((await gatebox(["dequeue", "--pipeline", "gate"])).status).toBe(2);
});

it("status draws items outside the window waiting in line behind the head, not as the main line", async () => {
  // A gate with window 1 (the web fixture: the real core and store), served on its own.
  const f = createFixture({ gateWindow: 1 });
  const app = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: createApp(f.ctx).fetch });
  try {
    const text = await gatebox(["status", "--pipeline", "gate"], {}, `http://127.0.0.1:${app.port}`);
    expect(text.status).toBe(0);
    // Item lines (not their job lines), without the ETA and subject.
    const heads = text.stdout.split("\n").filter((l) => /^ +(↳ )?\d+,\d/.test(l));
    expect(heads.map((l) => l.replace(/ {2}ETA .*$/, ""))).toEqual([
      "    1001,2 acme/app active",
      "    1002,2 acme/lib waiting (outside the window)",
      "    1003,2 acme/app waiting (outside the window)",
      "    1004,2 acme/lib waiting (outside the window)",
    ]);
  } finally {
    await app.stop(true);
    f.close();
  }
});

it("status --pipeline with a name the server does not have is an error naming the pipelines it has", async () => {
  for (const json of [[], ["--json"]]) {
    const r = await gatebox(["status", "--pipeline", "nosuch", ...json]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("gatebox status: no pipeline named 'nosuch' (pipelines: gate)\n");
  }
  // Every pipeline, in the server's order.
  const f = createFixture();
  const app = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: createApp(f.ctx).fetch });
  try {
    const r = await gatebox(["status", "--pipeline", "nosuch"], {}, `http://127.0.0.1:${app.port}`);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("gatebox status: no pipeline named 'nosuch' (pipelines: check, gate)\n");
    // A pipeline it has still prints.
    expect((await gatebox(["status", "--pipeline", "check"], {}, `http://127.0.0.1:${app.port}`)).status).toBe(0);
  } finally {
    await app.stop(true);
    f.close();
  }
});
