import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractArtifacts } from "../../../src/executor/artifacts.ts";
import { tarEnd, tarEntry } from "../../../src/executor/tar.ts";
import { ConsoleHub } from "../../../src/logs/console-hub.ts";
import { REPO_ROOT } from "../../support/binary.ts";

/**
 * What gatebox serve writes under its data directory (the store and its -wal and -shm, console
 * logs, artifacts) is its user's alone: directories 0700, files 0600, whatever the umask allows
 * beyond that (the test runs with the usual 022).
 */

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "gatebox-modes-"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o777;

describe("files under the data directory", () => {
  it("gatebox serve creates the data directory 0700, the store and its WAL files 0600, the log directory 0700", async () => {
    const data = join(dir, "data");
    const proc = Bun.spawn(
      [process.execPath, join(REPO_ROOT, "src/cli/main.ts"), "serve", "--data", data, "--listen", "127.0.0.1:0", "--console-listen", "off"],
      { cwd: dir, stdout: "pipe", stderr: "pipe", stdin: "ignore" },
    );
    const reader = proc.stdout.getReader();
    let out = "";
    const deadline = Date.now() + 20_000;
    while (!out.includes("listening on") && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    try {
      expect(out).toContain("listening on");
      expect(mode(data)).toBe(0o700);
      for (const f of ["gatebox.sqlite", "gatebox.sqlite-wal", "gatebox.sqlite-shm"]) {
        expect(existsSync(join(data, f)), f).toBe(true);
        expect(mode(join(data, f)), f).toBe(0o600);
      }
      expect(mode(join(data, "logs"))).toBe(0o700);
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  });

  it("console logs are 0600 in a 0700 directory", () => {
    const hub = new ConsoleHub(join(dir, "consoles", "logs"));
    const w = hub.open("17");
    w.info("hello");
    w.close("SUCCESS");
    expect(mode(join(dir, "consoles"))).toBe(0o700);
    expect(mode(hub.logDir)).toBe(0o700);
    expect(mode(hub.pathOf("17"))).toBe(0o600);
  });

  it("artifacts are 0600 in 0700 directories, whatever mode the job gave them", async () => {
    const into = join(dir, "artifacts", "b1");
    async function* tar() {
      yield tarEntry({ name: "out/sub/report.txt", type: "file", mode: 0o666, data: Buffer.from("report\n") });
      yield tarEnd();
    }
    await extractArtifacts(tar(), { root: "out", into, limit: 1 << 20, note: () => {} });
    expect(mode(join(dir, "artifacts"))).toBe(0o700);
    expect(mode(into)).toBe(0o700);
    expect(mode(join(into, "sub"))).toBe(0o700);
    expect(mode(join(into, "sub", "report.txt"))).toBe(0o600);
  });
});
