import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ConsoleEvent, encodeEvent, parseEvent, parseHeader } from "../../../src/logs/console-format.ts";
import { ConsoleHub } from "../../../src/logs/console-hub.ts";
import { readConsole } from "../../../src/logs/console-reader.ts";
import { MAX_EVENT_BYTES } from "../../../src/logs/console-writer.ts";

let dir: string;
let clock: number;
const now = () => clock;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gatebox-console-"));
  clock = 1_700_000_000_000;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const enc = (s: string) => new TextEncoder().encode(s);

describe("console format", () => {
  it("round-trips events and rejects garbage", () => {
    expect(parseEvent(encodeEvent(1.23456, "o", "a\u0000\"b\n").trim())).toEqual({ t: 1.235, kind: "o", data: 'a\u0000"b\n' });
    expect(parseEvent('[1,"z","x"]')).toBeNull();
    expect(parseEvent('[1,"o"')).toBeNull();
    expect(parseHeader('{"gatebox":"console","version":1,"build":"b","started":5}')).toEqual({
      gatebox: "console", version: 1, build: "b", started: 5,
    });
  });
});

describe("ConsoleWriter via ConsoleHub", () => {
  it("stores timestamped events with a header, keeping UTF-8 split across chunks whole", async () => {
    const hub = new ConsoleHub(dir, now);
    const w = hub.open("b/1");
    const euro = enc("€"); // 3 bytes
    w.stdout(enc("price: ").slice());
    clock += 1500;
    w.stdout(euro.subarray(0, 1));
    w.stdout(euro.subarray(1));
    w.stderr(enc("warn\n"));
    w.info("gatebox: hello");
    w.close("SUCCESS");
    w.stdout(enc("after close is dropped"));
    const { header, events } = await readConsole(hub.pathOf("b/1"));
    expect(header).toEqual({ gatebox: "console", version: 1, build: "b/1", started: 1_700_000_000_000 });
    expect(events).toEqual([
      { t: 0, kind: "o", data: "price: " },
      { t: 1.5, kind: "o", data: "€" },
      { t: 1.5, kind: "e", data: "warn\n" },
      { t: 1.5, kind: "i", data: "gatebox: hello" },
      { t: 1.5, kind: "x", data: "SUCCESS" },
    ]);
    expect(hub.pathOf("b/1")).toBe(join(dir, "b_1.console.jsonl"));
  });

  it("splits huge chunks into bounded events", async () => {
    const hub = new ConsoleHub(dir, now);
    const w = hub.open("big");
    w.stdout(new Uint8Array(MAX_EVENT_BYTES * 2 + 10).fill(0x61));
    w.close("SUCCESS");
    const { events } = await readConsole(w.path);
    expect(events.map((e) => e.data.length)).toEqual([MAX_EVENT_BYTES, MAX_EVENT_BYTES, 10, 7]);
  });

  it("continues an existing file after a restart, on the same time axis, past a torn line", async () => {
    const hub = new ConsoleHub(dir, now);
    const w = hub.open("r");
    w.stdout(enc("before\n"));
    // Simulate the crash: no close, and a torn half line at the end.
    writeFileSync(w.path, `${readFileSync(w.path, "utf8")}[3,"o","tor`);
    clock += 10_000;
    const hub2 = new ConsoleHub(dir, now);
    const w2 = hub2.open("r");
    w2.stdout(enc("after\n"));
    w2.close("SUCCESS");
    const { events } = await readConsole(w.path);
    expect(events).toEqual([
      { t: 0, kind: "o", data: "before\n" },
      { t: 10, kind: "o", data: "after\n" },
      { t: 10, kind: "x", data: "SUCCESS" },
    ]);
  });
});

describe("secrets in the console", () => {
  it("are never written: split across chunks and streams, in info lines, in a value UTF-8 split", async () => {
    const hub = new ConsoleHub(dir, now);
    const w = hub.open("sec", ["s3cret", "pässwörd"]);
    w.stdout(enc("token is s3c"));
    w.stderr(enc("err s3"));
    w.stdout(enc("ret\n"));
    w.stderr(enc("cret\n"));
    const pw = enc("pw pässwörd\n");
    w.stdout(pw.subarray(0, 5)); // inside the ä
    w.stdout(pw.subarray(5));
    w.info("gatebox: the job printed s3cret");
    w.stdout(enc("ends with s3c")); // held to the end, then shown: it was not the value
    expect(w.redact("message with s3cret")).toBe("message with ***");
    w.close("FAILURE");
    const raw = readFileSync(w.path, "utf8");
    expect(raw).not.toContain("s3cret");
    expect(raw).not.toContain("pässwörd");
    const { events } = await readConsole(w.path);
    expect(events.filter((e) => e.kind === "o").map((e) => e.data).join("")).toBe("token is ***\npw ***\nends with s3c");
    expect(events.filter((e) => e.kind === "e").map((e) => e.data).join("")).toBe("err ***\n");
    expect(events.find((e) => e.kind === "i")!.data).toBe("gatebox: the job printed ***");
  });

  it("a second open of a live build adds its values to hide", async () => {
    const hub = new ConsoleHub(dir, now);
    const w = hub.open("sec2");
    w.stdout(enc("before: abc "));
    expect(hub.open("sec2", ["xyz"])).toBe(w);
    w.stdout(enc("after: xy"));
    w.stdout(enc("z\n"));
    w.close("SUCCESS");
    expect(readFileSync(w.path, "utf8")).not.toContain("xyz");
  });
});

describe("watchers", () => {
  it("a watcher joining mid-build gets everything so far, then live events, then ends", async () => {
    const hub = new ConsoleHub(dir, now);
    const w = hub.open("m");
    for (let i = 0; i < 5; i++) w.stdout(enc(`line ${i}\n`));
    const got: ConsoleEvent[] = [];
    const sub = hub.subscribe("m", (ev) => {
      got.push(ev);
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(got.map((e) => e.data)).toEqual(["line 0\n", "line 1\n", "line 2\n", "line 3\n", "line 4\n"]);
    w.stdout(enc("live\n"));
    await new Promise((r) => setTimeout(r, 20));
    expect(got.at(-1)!.data).toBe("live\n");
    w.close("FAILURE");
    await sub.done;
    expect(got.at(-1)).toEqual({ t: 0, kind: "x", data: "FAILURE" });
    expect(hub.isLive("m")).toBe(false);
  });

  it("a stalled watcher never holds the writer back and catches up from the file", async () => {
    const hub = new ConsoleHub(dir, now);
    const w = hub.open("slow");
    let gate!: () => void;
    const stalled = new Promise<void>((r) => {
      gate = r;
    });
    const got: string[] = [];
    const sub = hub.subscribe("slow", async (ev) => {
      if (got.length === 0) await stalled; // stuck on the first event
      got.push(ev.data);
    });
    w.stdout(enc("first\n"));
    await new Promise((r) => setTimeout(r, 10));
    // 20 MB while the watcher is stuck: the writer must not wait, nor the heap grow with it.
    const heapBefore = process.memoryUsage().heapUsed;
    const chunk = new Uint8Array(64 * 1024).fill(0x62);
    const t0 = performance.now();
    for (let i = 0; i < 320; i++) w.stdout(chunk);
    const writeMs = performance.now() - t0;
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    w.close("SUCCESS");
    expect(writeMs).toBeLessThan(5000);
    expect(heapGrowth).toBeLessThan(15 * 1024 * 1024);
    gate();
    await sub.done;
    expect(got[0]).toBe("first\n");
    expect(got.length).toBe(1 + 320 + 1);
    expect(got.at(-1)).toBe("SUCCESS");
  });

  it("unsubscribe stops a watch; watching a finished build replays it", async () => {
    const hub = new ConsoleHub(dir, now);
    const w = hub.open("u");
    const got: string[] = [];
    const sub = hub.subscribe("u", (ev) => {
      got.push(ev.data);
    });
    w.stdout(enc("a"));
    await new Promise((r) => setTimeout(r, 20));
    sub.unsubscribe();
    sub.unsubscribe();
    await sub.done;
    w.stdout(enc("b"));
    w.close("SUCCESS");
    expect(got).toEqual(["a"]);
    const replay: string[] = [];
    for await (const ev of hub.watch("u")) replay.push(ev.data);
    expect(replay).toEqual(["a", "b", "SUCCESS"]);
  });

  it("a watcher subscribing before the build starts waits for it", async () => {
    const hub = new ConsoleHub(dir, now);
    const got: string[] = [];
    const sub = hub.subscribe("early", (ev) => {
      got.push(ev.data);
    });
    await new Promise((r) => setTimeout(r, 30));
    const w = hub.open("early");
    w.stdout(enc("hi"));
    w.close("SUCCESS");
    await sub.done;
    expect(got).toEqual(["hi", "SUCCESS"]);
  });
});
