import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultConfig } from "../../../src/config/load.ts";
import { type RunningServer, startServer } from "../../../src/server/server.ts";
import { createApp } from "../../../src/web/app.ts";
import { webHosts } from "../../../src/web/hosts.ts";
import { createFixture, type Fixture, TOKEN } from "./fixture.ts";

/** The Host allow-list against DNS rebinding (docs/web.md "Host names"). */

let f: Fixture | null = null;
let server: RunningServer | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await server?.stop();
  server = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  f?.close();
  f = null;
});

const hostsOf = (url: string) => webHosts({ url, listen: { host: "127.0.0.1", port: 8080 } });

describe("an app with an allow-list", () => {
  const request = (app: ReturnType<typeof createApp>, host: string, path = "/api/status", init: RequestInit = {}) =>
    app.request(path, { ...init, headers: { ...(init.headers as Record<string, string>), host } });

  it("answers web.url's host, the listen address and the loopback names on the right port", async () => {
    f = createFixture();
    const app = createApp({ ...f.ctx, allowedHosts: hostsOf("https://Gate.Example.com") });
    for (const host of ["gate.example.com", "GATE.example.com:443", "127.0.0.1:8080", "localhost:8080", "[::1]:8080"]) {
      expect((await request(app, host)).status, host).toBe(200);
    }
  });

  it.each([
    "rebind.attacker.example",
    "rebind.attacker.example:8080",
    "gate.example.com.attacker.example",
    "gate.example.com:8443",
    "127.0.0.1:9999",
    "localhost",
    "[::1]",
    "10.1.2.3:8080",
  ])("answers 421 to Host %s, before any route: /healthz and the admin actions too", async (host) => {
    f = createFixture();
    const app = createApp({ ...f.ctx, allowedHosts: hostsOf("https://gate.example.com") });
    for (const path of ["/api/status", "/healthz", "/", "/api/nope", "/assets/style.css"]) {
      const res = await request(app, host, path);
      expect(res.status, path).toBe(421);
      expect(((await res.json()) as { error: string }).error).toContain("misdirected request");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    }
    const admin = { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ pipeline: "gate", change: 1004 }) };
    expect((await request(app, host, "/api/dequeue", admin)).status).toBe(421);
    expect(f.calls).toEqual([]);
  });

  it("without a list (in-process use) answers the loopback names on any port only", async () => {
    f = createFixture();
    const app = createApp(f.ctx);
    for (const host of ["localhost", "localhost:1234", "127.0.0.1:5", "[::1]:80"]) expect((await request(app, host)).status, host).toBe(200);
    for (const host of ["evil.example", "evil.example:80", "localhost.evil.example"]) expect((await request(app, host)).status, host).toBe(421);
  });
});

describe("gatebox serve", () => {
  it("allows web.url's host and the address it listens on, with the port it got", async () => {
    const config = defaultConfig();
    config.dataDir = mkdtempSync(join(tmpdir(), "gatebox-hosts-"));
    dirs.push(config.dataDir);
    config.workspaceDir = join(config.dataDir, "workspaces");
    config.web.url = "https://gatebox.example.org:8443";
    server = await startServer({ config, listen: { host: "127.0.0.1", port: 0 }, consoleListen: null, log: () => {} });
    const port = new URL(server.url).port;
    const status = async (host: string) => (await fetch(`${server!.url}/healthz`, { headers: { host } })).status;
    expect(await status(`127.0.0.1:${port}`)).toBe(200);
    expect(await status(`localhost:${port}`)).toBe(200);
    expect(await status("gatebox.example.org:8443")).toBe(200);
    expect(await status("gatebox.example.org")).toBe(421);
    expect(await status(`rebind.attacker.example:${port}`)).toBe(421);
    expect(await status("127.0.0.1:8080")).toBe(421);
  });
});
