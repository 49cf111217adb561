import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ConsoleEvent } from "../../../src/logs/console-format.ts";
import { ConsoleHub } from "../../../src/logs/console-hub.ts";
import { ConsoleReader } from "../../../src/logs/console-reader.ts";
import { tinyTmpfs, type TestMount } from "../../support/fs-faults.ts";

/** A build console on a disk that fills up: nothing escapes, the first error is kept, the file stays readable. */

const mounts: TestMount[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) m.cleanup();
});

function fullSoon(): { hub: ConsoleHub; dir: string } {
  const fs = tinyTmpfs("1m");
  mounts.push(fs);
  return { hub: new ConsoleHub(join(fs.dir, "logs")), dir: fs.dir };
}

const CHUNK = new Uint8Array(32 * 1024).fill(0x61); // "aaaa…", 32 KiB

describe("ConsoleWriter on a full disk", () => {
  it("keeps the first write error, closes, drops later writes, and never throws", async () => {
    const { hub } = fullSoon();
    const w = hub.open("b1");
    expect(w.failed).toBeNull();
    expect(() => {
      for (let i = 0; i < 64; i++) w.stdout(CHUNK); // 2 MiB into a 1 MiB file system
      w.info("gatebox: still here");
      w.close("SUCCESS");
    }).not.toThrow();
    expect(w.failed?.message).toMatch(/cannot write the console file .*b1.*: ENOSPC/);
    expect(await w.failure).toBe(w.failed);
    expect(w.closed).toBe(true);
    expect(hub.isLive("b1")).toBe(false);
    // Everything below `size` is whole lines: a reader gets the header and the output that fit.
    const reader = await ConsoleReader.open(hub.pathOf("b1"));
    const events: ConsoleEvent[] = [];
    for (;;) {
      const batch = await reader.next(w.size);
      if (batch.events.length === 0) break;
      events.push(...batch.events);
    }
    expect(reader.offset).toBe(w.size);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.kind === "o")).toBe(true);
  });

  it("a watcher of the build ends instead of waiting forever", async () => {
    const { hub } = fullSoon();
    const w = hub.open("b2");
    w.stdout(CHUNK);
    const seen: ConsoleEvent[] = [];
    const watching = (async () => {
      for await (const ev of hub.watch("b2")) seen.push(ev);
    })();
    await Bun.sleep(50);
    for (let i = 0; i < 64 && !w.failed; i++) w.stdout(CHUNK);
    expect(w.failed).not.toBeNull();
    await watching; // would hang if the failure did not wake it
    expect(seen.length).toBeGreaterThan(0);
  });

  it("a console that cannot even be created gives a failed writer, not an exception", () => {
    const { hub, dir } = fullSoon();
    try {
      writeFileSync(join(dir, "ballast"), Buffer.alloc(2 * 1024 * 1024));
    } catch {
      // ENOSPC: the file system is now full, as wanted.
    }
    const w = hub.open("b3");
    expect(w.failed?.message).toMatch(/ENOSPC/);
    expect(hub.isLive("b3")).toBe(false);
    expect(() => {
      w.stdout(CHUNK);
      w.close("SUCCESS");
    }).not.toThrow();
  });
});
