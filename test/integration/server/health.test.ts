import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultConfig } from "../../../src/config/load.ts";
import { type RunningServer, type ServerOptions, startServer } from "../../../src/server/server.ts";
import { failingDisk, type TestMount, tinyTmpfs } from "../../support/fs-faults.ts";

/** /healthz of a real server whose data directory meets real file system faults. */

const mounts: TestMount[] = [];
let server: RunningServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
  for (const m of mounts.splice(0)) m.cleanup();
});

async function serve(dataDir: string, health: ServerOptions["health"], lines: string[] = []): Promise<RunningServer> {
  const config = defaultConfig();
  config.dataDir = dataDir;
  config.workspaceDir = join(dataDir, "workspaces");
  server = await startServer({ config, listen: { host: "127.0.0.1", port: 0 }, consoleListen: null, log: (l) => lines.push(l), health });
  return server;
}

async function healthz(s: RunningServer): Promise<{ status: number; body: { ok: boolean; problems: { check: string; message: string }[] } }> {
  const res = await fetch(`${s.url}/healthz`);
  return { status: res.status, body: await res.json() };
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

describe("/healthz", () => {
  it("answers 503 naming the store once the disk under it turns read-only, and logs it once", async () => {
    const disk = failingDisk();
    mounts.push(disk);
    const lines: string[] = [];
    const s = await serve(disk.dir, { minFreeBytes: 0, minFreeRatio: 0, probeEveryMs: 0, logEveryMs: 50 }, lines);
    expect(await healthz(s)).toMatchObject({ status: 200, body: { ok: true, problems: [] } });
    disk.fail();
    const { status, body } = await healthz(s);
    expect(status).toBe(503);
    expect(body.ok).toBe(false);
    expect(body.problems).toEqual([
      { check: "store", message: expect.stringMatching(/gatebox\.sqlite: the store cannot write \(SQLITE_(IOERR|READONLY)/) },
    ]);
    await until("the unhealthy line", () => lines.some((l) => l.startsWith("gatebox: unhealthy: store: ")));
    await Bun.sleep(200);
    expect(lines.filter((l) => l.startsWith("gatebox: unhealthy:"))).toHaveLength(1);
  });

  it("answers 503 naming the data disk when its free space falls below the threshold, 200 again when freed", async () => {
    const fs = tinyTmpfs("64m");
    mounts.push(fs);
    const lines: string[] = [];
    const s = await serve(fs.dir, { minFreeBytes: 32 * 1024 ** 2, logEveryMs: 50 }, lines);
    expect((await healthz(s)).status).toBe(200);
    const ballast = join(fs.dir, "ballast");
    writeFileSync(ballast, Buffer.alloc(40 * 1024 ** 2));
    const { status, body } = await healthz(s);
    expect(status).toBe(503);
    expect(body.problems).toEqual([{ check: "disk", message: expect.stringMatching(/the data disk is nearly full: \d+ MiB free of 64 MiB/) }]);
    expect(body.problems[0]?.message).toContain(fs.dir);
    await until("the unhealthy line", () => lines.some((l) => l.startsWith("gatebox: unhealthy: disk: ")));
    writeFileSync(ballast, "");
    expect((await healthz(s)).status).toBe(200);
    await until("healthy again", () => lines.includes("gatebox: healthy again"));
  });

  it("with the default thresholds, a 64 MiB data disk is nearly full (under 1 GiB)", async () => {
    const fs = tinyTmpfs("64m");
    mounts.push(fs);
    const s = await serve(fs.dir, undefined);
    const { status, body } = await healthz(s);
    expect(status).toBe(503);
    expect(body.problems.map((p) => p.check)).toEqual(["disk"]);
    expect(body.problems[0]?.message).toMatch(/wants at least 1 GiB and 5 % free/);
  });
});
