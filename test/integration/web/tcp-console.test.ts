import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConsoleHub } from "../../../src/logs/console-hub.ts";
import { startTcpConsole, type TcpConsole } from "../../../src/logs/tcp-console.ts";

let dir: string;
let hub: ConsoleHub;
let server: TcpConsole;
const known = new Set<string>();
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "gatebox-tcp-"));
  hub = new ConsoleHub(dir);
  known.clear();
  server = await startTcpConsole({ consoles: hub, host: "127.0.0.1", port: 0, exists: (id) => known.has(id), requestTimeoutMs: 500 });
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const enc = (s: string) => new TextEncoder().encode(s);

/** A watcher: connects, sends `request`, collects everything until the server closes. */
function watch(request: string | null, opts: { paused?: boolean } = {}) {
  const socket: Socket = connect(server.port, "127.0.0.1");
  let text = "";
  const chunks: { at: number; text: string }[] = [];
  const closed = new Promise<string>((resolve) => socket.on("close", () => resolve(text)));
  socket.on("data", (d) => {
    text += d.toString("utf8");
    chunks.push({ at: performance.now(), text: d.toString("utf8") });
  });
  if (opts.paused) socket.pause();
  if (request !== null) socket.write(request);
  return { socket, closed, text: () => text, chunks };
}

async function until(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("TCP console", () => {
  it("streams a build's console from the start, then live, and closes at the end", async () => {
    known.add("7");
    const w = hub.open("7");
    w.info("pulling image");
    w.stdout(enc("first\n"));
    const a = watch("7\r\n");
    await until(() => a.text().includes("first"));
    w.stdout(enc("\x1b[32msecond\x1b[0m\n"));
    await until(() => a.text().includes("second"));
    w.close("SUCCESS");
    expect(await a.closed).toBe("\x1b[2m[gatebox] pulling image\x1b[0m\r\nfirst\r\n\x1b[32msecond\x1b[0m\r\n\r\n-- build finished: SUCCESS --\r\n");
  });

  it("keeps the job's colours and drops every other control sequence, also split across writes", async () => {
    known.add("11");
    const w = hub.open("11");
    w.info("subject \x1b]0;title\x07with \x1b[31mred\x1b[0m");
    // OSC 52 (write the clipboard), OSC 0 (window title), CSI 2J (clear the screen), each split in two.
    for (const part of ["a\x1b]52;c;cm0gLXJm", "IC8K\x07b\x1b]0;pw", "ned\x1b\\c\x1b[2", "Jd\x1b[3", "2mgreen\x1b[0m\n"]) w.stdout(enc(part));
    w.stderr(enc("e\x1b[?1049"));
    w.stderr(enc("hrr\n"));
    w.close("SUCCESS\x1b]52;c;x\x07");
    expect(await watch("11\n").closed).toBe(
      "\x1b[2m[gatebox] subject with red\x1b[0m\r\nabcd\x1b[32mgreen\x1b[0m\r\nerr\r\n\r\n-- build finished: SUCCESS --\r\n",
    );
  });

  it("accepts finger-style BUILD@host and a finished build", async () => {
    known.add("8");
    const w = hub.open("8");
    w.stdout(enc("done\n"));
    w.close("FAILURE");
    expect(await watch("8@gate.example.org\n").closed).toBe("done\r\n\r\n-- build finished: FAILURE --\r\n");
  });

  it("refuses unknown builds and bad requests, and drops silent clients", async () => {
    expect(await watch("404\n").closed).toBe("gatebox: no build 404\r\n");
    expect(await watch("../etc\n").closed).toContain("not a build id");
    const silent = watch(null);
    expect(await silent.closed).toBe("");
  });

  it("serves many watchers at once, and a stalled one neither blocks the build nor the others", async () => {
    known.add("9");
    const w = hub.open("9");
    const stalled = watch("9\n", { paused: true });
    const watchers = Array.from({ length: 25 }, () => watch("9\n"));
    await until(() => server.connections() === 26);
    await new Promise((r) => setTimeout(r, 50));
    // ~4 MB: far more than the stalled socket's buffers can take.
    const line = `${"x".repeat(1000)}\n`;
    const t0 = performance.now();
    for (let i = 0; i < 4000; i++) w.stdout(enc(line));
    w.close("SUCCESS");
    const writeMs = performance.now() - t0;
    const texts = await Promise.all(watchers.map((x) => x.closed));
    for (const t of texts) {
      expect(t.length).toBe(4000 * 1002 + "\r\n-- build finished: SUCCESS --\r\n".length);
    }
    // The writer never waited for anyone: 4 MB to disk is well under a second.
    expect(writeMs).toBeLessThan(1000);
    expect(stalled.text().length).toBeLessThan(4000 * 1002);
    stalled.socket.resume();
    expect((await stalled.closed).endsWith("-- build finished: SUCCESS --\r\n")).toBe(true);
  });

  it("close() ends open watches", async () => {
    known.add("10");
    hub.open("10").stdout(enc("hello\n"));
    const a = watch("10\n");
    await until(() => a.text().includes("hello"));
    await server.close();
    await a.closed;
    expect(server.connections()).toBe(0);
  });
});
