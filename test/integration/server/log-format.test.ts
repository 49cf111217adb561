import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { REPO_ROOT } from "../../support/binary.ts";

/** `gatebox serve --log-format json`: every line gatebox writes about itself is one JSON object. */

const MAIN = join(REPO_ROOT, "src/cli/main.ts");
let dir = "";
let child: ChildProcess | null = null;
afterEach(() => {
  child?.kill("SIGKILL");
  child = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("writes one JSON object per line on stdout and stderr, and stops cleanly", async () => {
  dir = mkdtempSync(join(tmpdir(), "gatebox-logfmt-"));
  const args = ["serve", "--data", join(dir, "data"), "--listen", "127.0.0.1:0", "--console-listen", "off", "--log-format", "json"];
  const c = spawn(process.execPath, [MAIN, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  child = c;
  let out = "";
  let err = "";
  c.stdout?.on("data", (d) => {
    out += String(d);
  });
  c.stderr?.on("data", (d) => {
    err += String(d);
  });
  const deadline = Date.now() + 20_000;
  while (!out.includes("listening on") && Date.now() < deadline) await Bun.sleep(20);
  const exited = new Promise<number | null>((resolve) => c.on("exit", (code) => resolve(code)));
  c.kill("SIGTERM");
  expect(await exited).toBe(0);
  const lines = [...out.trim().split("\n"), ...err.trim().split("\n")].filter((l) => l !== "");
  const objects = lines.map((l) => JSON.parse(l) as { t: string; msg: string; level?: string });
  for (const o of objects) {
    expect(Number.isNaN(Date.parse(o.t))).toBe(false);
    expect(typeof o.msg).toBe("string");
  }
  const msgs = objects.map((o) => o.msg);
  expect(msgs.find((m) => m.startsWith("gatebox: listening on http://127.0.0.1:"))).toBeDefined();
  expect(msgs).toContain("gatebox: no Gerrit connection is configured; the web UI explains how to add one");
  expect(msgs).toContain("gatebox: SIGTERM received, shutting down");
}, 30_000);

it("refuses an unknown format with a one-line usage error (exit 2)", () => {
  dir = mkdtempSync(join(tmpdir(), "gatebox-logfmt-"));
  const r = spawnSync(process.execPath, [MAIN, "serve", "--data", join(dir, "data"), "--log-format", "xml"], { cwd: dir, encoding: "utf8", timeout: 20_000 });
  expect(r.status).toBe(2);
  expect(r.stderr.trim()).toBe("gatebox serve: --log-format must be text or json, got 'xml'");
});
