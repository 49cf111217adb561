import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "../../../src/web/app.ts";
import type { HealthReport } from "../../../src/web/context.ts";
import { createFixture, type Fixture } from "./fixture.ts";

// The health banner: on every server-rendered page while /healthz has problems, gone when ok.
let f: Fixture;
let report: HealthReport = { ok: true, problems: [] };
let app: ReturnType<typeof createApp>;

const FAILING: HealthReport = {
  ok: false,
  problems: [
    { check: "gerrit", message: "polling Gerrit has failed for 2m 0s (no poll has worked since gatebox started): HTTP 401 <Unauthorized>" },
    { check: "disk", message: "/var/lib/gatebox: the data disk is nearly full: 120 MiB free of 20 GiB (0.6 %)" },
  ],
};

beforeAll(() => {
  f = createFixture();
  app = createApp({ ...f.ctx, health: () => report });
});
afterAll(() => f.close());

async function page(path: string): Promise<string> {
  const res = await app.request(path);
  return res.text();
}

function banner(body: string): string | null {
  return /<div id="health"[^>]*>[\s\S]*?<\/div>/.exec(body)?.[0] ?? null;
}

const PAGES = ["/", "/builds", "/history", "/builds/1", "/builds/999999"];

it("shows one line per problem, role=alert, on every page while health has problems", async () => {
  report = FAILING;
  for (const path of PAGES) {
    const b = banner(await page(path));
    expect(b, path).not.toBeNull();
    expect(b).toContain('role="alert"');
    expect(b!.match(/<li /g)).toHaveLength(2);
    expect(b).toContain("polling Gerrit has failed for 2m 0s");
    // Messages are escaped like anything else from outside.
    expect(b).toContain("HTTP 401 &lt;Unauthorized&gt;");
    expect(b).toContain('data-check="disk"');
    expect(b).toContain("the data disk is nearly full");
  }
});

it("shows the banner on the setup page too", async () => {
  report = FAILING;
  const setup = createApp({ ...f.ctx, gerritConfigured: false, health: () => report });
  const b = banner(await (await setup.request("/")).text());
  expect(b).toContain("polling Gerrit has failed");
});

it("has no banner when health is ok, or when there is no health model", async () => {
  report = { ok: true, problems: [] };
  for (const path of PAGES) expect(banner(await page(path)), path).toBeNull();
  const plain = createApp(f.ctx);
  expect(banner(await (await plain.request("/")).text())).toBeNull();
  expect(await (await plain.request("/")).text()).not.toContain('role="alert"');
});

it("follows the report per request (no restart): /healthz and the pages agree", async () => {
  report = FAILING;
  expect((await app.request("/healthz")).status).toBe(503);
  expect(banner(await page("/builds"))).not.toBeNull();
  report = { ok: true, problems: [] };
  expect((await app.request("/healthz")).status).toBe(200);
  expect(banner(await page("/builds"))).toBeNull();
});

it("the status page's script refreshes the banner from /healthz", async () => {
  const js = await (await app.request("/assets/status.js")).text();
  expect(js).toContain('fetch("/healthz"');
  expect(js).toContain('"role", "alert"');
  const css = await (await app.request("/assets/style.css")).text();
  expect(css).toContain(".health-banner");
});
