import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "../../../src/web/app.ts";
import type { HealthReport } from "../../../src/web/context.ts";
import { REPO_ROOT } from "../../support/binary.ts";
import { createFixture, type Fixture } from "../web/fixture.ts";

// `gatebox status` prints the server's health problems (its /healthz, 503) above the queues.
let f: Fixture;
let report: HealthReport = { ok: true, problems: [] };
let server: ReturnType<typeof Bun.serve>;

beforeAll(() => {
  f = createFixture();
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: createApp({ ...f.ctx, health: () => report }).fetch });
});
afterAll(async () => {
  await server.stop(true);
  f.close();
});

async function gatebox(args: string[]) {
  const proc = Bun.spawn([process.execPath, join(REPO_ROOT, "src/cli/main.ts"), ...args, "--url", `http://127.0.0.1:${server.port}`], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, status] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, status };
}

it("prints each problem at the top, and a 503 from /healthz is not an error", async () => {
  report = {
    ok: false,
    problems: [
      { check: "gerrit", message: "polling Gerrit has failed for 2m 0s (no poll has worked since gatebox started): HTTP 401 Unauthorized" },
      { check: "executors", message: "no executor answers (docker: connect ENOENT /var/run/docker.sock); builds cannot run\x1b]0;pwned\x07" },
    ],
  };
  const out = await gatebox(["status"]);
  expect(out.stderr).toBe("");
  expect(out.status).toBe(0);
  const lines = out.stdout.split("\n");
  expect(lines[0]).toBe("! gerrit: polling Gerrit has failed for 2m 0s (no poll has worked since gatebox started): HTTP 401 Unauthorized");
  expect(lines[1]).toMatch(/^! executors: no executor answers \(docker: connect ENOENT \/var\/run\/docker\.sock\); builds cannot run/);
  // What the server says cannot drive the terminal.
  expect(out.stdout).not.toContain("\x1b");
  expect(out.stdout).not.toContain("\x07");
  // The queues follow as usual.
  expect(lines[2]).toMatch(/^\w+ \((dependent|independent)\)$/);
  expect(out.stdout).toContain("1001,2 acme/app");
});

it("prints no problem lines when gatebox is healthy", async () => {
  report = { ok: true, problems: [] };
  const out = await gatebox(["status"]);
  expect(out.status).toBe(0);
  expect(out.stdout).not.toMatch(/^!/m);
  expect(out.stdout).toContain("1001,2 acme/app");
});

it("--json stays the /api/status document", async () => {
  report = { ok: false, problems: [{ check: "disk", message: "nearly full" }] };
  const out = await gatebox(["status", "--json"]);
  expect(out.status).toBe(0);
  expect(Array.isArray(JSON.parse(out.stdout).pipelines)).toBe(true);
});
