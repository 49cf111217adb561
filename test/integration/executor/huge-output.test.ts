/** 100 MB of output streams to the log file without the process's memory growing with it. */
import { statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerRunner } from "../../../src/executor/docker/docker-runner.ts";
import { Executor } from "../../../src/executor/executor.ts";
import { ConsoleHub } from "../../../src/logs/console-hub.ts";
import { ConsoleReader } from "../../../src/logs/console-reader.ts";
import { requireDocker, TEST_IMAGE, tempDir, uniqueBuildId } from "./helpers.ts";

const MB = 1024 * 1024;
// HUGE_MB=400 shows whether memory plateaus (it should: nothing is kept per byte of output).
const SIZE_MB = Number(process.env.HUGE_MB ?? 100);
let logs: ReturnType<typeof tempDir>;
beforeAll(async () => {
  await requireDocker();
  logs = tempDir("gatebox-huge-");
});
afterAll(() => logs.cleanup());

describe("huge output", () => {
  it("streams 100 MB to the log file with RSS growth well under 100 MB", { timeout: 120_000 }, async () => {
    const hub = new ConsoleHub(logs.dir);
    const ex = new Executor({ runner: new DockerRunner({ instance: `huge-${process.pid}` }), consoles: hub, capacity: 1 });
    Bun.gc(true);
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      if (m.rss > peak && process.env.HUGE_DEBUG) console.log(`rss ${(m.rss / MB).toFixed(0)} heap ${(m.heapUsed / MB).toFixed(0)} ext ${(m.external / MB).toFixed(0)} ab ${(m.arrayBuffers / MB).toFixed(0)}`);
      peak = Math.max(peak, m.rss);
    }, 20);
    const t0 = performance.now();
    // 100 MiB of 'a' lines (1 KiB each, newline included).
    const script = "l=$(head -c 1023 /dev/zero | tr '\\0' a); yes \"$l\" | head -c $((SIZE_MB*1048576))";
    const o = await ex.startBuild({ buildId: uniqueBuildId("huge"), itemId: "i", job: { image: TEST_IMAGE, run: script, env: { SIZE_MB: String(SIZE_MB) } } }).outcome;
    clearInterval(sampler);
    const secs = (performance.now() - t0) / 1000;
    expect(o.result).toBe("SUCCESS");
    // Count the output bytes back from the file, streaming it (bounded memory here too).
    const r = await ConsoleReader.open(o.logPath);
    const size = statSync(o.logPath).size;
    let bytes = 0;
    while (r.offset < size) {
      for (const ev of (await r.next(size)).events) if (ev.kind === "o") bytes += ev.data.length;
    }
    await r.close();
    const growth = (peak - baseline) / MB;
    console.log(
      `huge output: ${(bytes / MB).toFixed(1)} MiB in ${secs.toFixed(1)} s (${(bytes / MB / secs).toFixed(0)} MiB/s), ` +
        `log file ${(size / MB).toFixed(1)} MiB, RSS baseline ${(baseline / MB).toFixed(0)} MiB, peak ${(peak / MB).toFixed(0)} MiB, growth ${growth.toFixed(0)} MiB`,
    );
    expect(bytes).toBe(SIZE_MB * MB);
    expect(growth).toBeLessThan(100);
  });
});
