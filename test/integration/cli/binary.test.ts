import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBinary, REPO_ROOT } from "../../support/binary.ts";

let binary: string;
let dir: string;
beforeAll(() => {
  binary = ensureBinary();
  dir = mkdtempSync(join(tmpdir(), "gatebox-bin-"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function gatebox(args: string[]) {
  return spawnSync(binary, args, { cwd: dir, encoding: "utf8", timeout: 20_000 });
}

async function freePort(): Promise<number> {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const port = s.port as number;
  await s.stop(true);
  return port;
}

describe("the compiled binary", () => {
  it("prints its version and help from any directory", () => {
    expect(gatebox(["version"]).stdout).toMatch(/^gatebox \d+\.\d+\.\d+/);
    const help = gatebox(["--help"]);
    expect(help.status).toBe(0);
    for (const cmd of ["serve", "validate", "simulate", "version"]) expect(help.stdout).toContain(cmd);
    expect(gatebox(["serve", "--help"]).stdout).toContain("--listen");
  });

  it("exits 2 with a one-line error on unknown flags, commands and missing arguments", () => {
    for (const args of [["serve", "--frobnicate"], ["nonsense"], ["serve", "--config"], ["version", "extra"]]) {
      const r = gatebox(args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
    }
  });

  it("validates the example (0) and names the line of a wrong type (1)", () => {
    expect(gatebox(["validate", join(REPO_ROOT, "examples/gatebox.yaml")]).status).toBe(0);
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "jobs:\n  - name: unit\n    image: busybox\n    run: x\n    timeout: [1]\n");
    const r = gatebox(["validate", bad]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${bad}:5: jobs[0].timeout:`);
  });

  it("serves /healthz and the setup page on defaults, and stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    const child = spawn(binary, ["serve", "--listen", `127.0.0.1:${port}`], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const deadline = Date.now() + 10_000;
    while (!out.includes("listening on") && Date.now() < deadline) await Bun.sleep(20);
    expect(out).toContain(`listening on http://127.0.0.1:${port}`);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true });
    const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(page).toContain("No Gerrit connection is configured");
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    // The store was closed: the WAL was folded back and removed.
    const files = spawnSync("ls", [join(dir, ".gatebox")], { encoding: "utf8" }).stdout;
    expect(files).toContain("gatebox.sqlite");
    expect(files).not.toContain("-wal");
  });
});
