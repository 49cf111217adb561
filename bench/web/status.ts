/**
 * Web benchmarks (prints figures; bounded to a few seconds):
 *  1. GET /api/status with ~200 items: median latency (target < 20 ms).
 *  2. console line → TCP watcher and → SSE client: median latency (target < 100 ms).
 *  3. 100 concurrent TCP watchers on one build: the build's wall time with and without, as a ratio.
 * Run: npx bun bench/web/status.ts
 */
import { connect } from "node:net";
import { join } from "node:path";
import { ConsoleHub } from "../../src/logs/console-hub.ts";
import { startTcpConsole } from "../../src/logs/tcp-console.ts";
import { createApp } from "../../src/web/app.ts";
import { SseParser } from "../../src/web/sse-parser.ts";
import { createFixture } from "../../test/integration/web/fixture.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const enc = (s: string) => new TextEncoder().encode(s);
const f = createFixture({ extraGateItems: 195, capacity: 400 });
const app = createApp(f.ctx);

// 1. /api/status
{
  const items = f.scheduler.view().pipelines.reduce((n, p) => n + p.queues.reduce((m, q) => m + q.items.length, 0), 0);
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    const res = await app.request("/api/status");
    await res.text();
    times.push(performance.now() - t0);
  }
  console.log(`/api/status with ${items} items: median ${median(times).toFixed(2)} ms, p90 ${[...times].sort((a, b) => a - b)[180]!.toFixed(2)} ms (target < 20 ms)`);
}

const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch, idleTimeout: 60 });
const tcp = await startTcpConsole({ consoles: f.hub, host: "127.0.0.1", port: 0, exists: () => true });

// 2. line latency to a TCP watcher and an SSE client
{
  const id = "bench-latency";
  const w = f.hub.open(id);
  w.stdout(enc("start\n"));
  const tcpSeen = new Map<number, number>();
  const sseSeen = new Map<number, number>();
  const sock = connect(tcp.port, "127.0.0.1");
  let tbuf = "";
  sock.on("data", (d) => {
    tbuf += d.toString();
    for (const m of tbuf.matchAll(/line (\d+)\r\n/g)) if (!tcpSeen.has(Number(m[1]))) tcpSeen.set(Number(m[1]), performance.now());
  });
  sock.write(`${id}\n`);
  const res = await fetch(`http://127.0.0.1:${server.port}/api/builds/${id}/console`);
  const reader = res.body!.getReader();
  const parser = new SseParser();
  const dec = new TextDecoder();
  (async () => {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      for (const m of parser.push(dec.decode(value, { stream: true }))) {
        const hit = /line (\d+)/.exec(m.data);
        if (m.event === "console" && hit) sseSeen.set(Number(hit[1]), performance.now());
      }
    }
  })().catch(() => {});
  await Bun.sleep(200);
  const sent = new Map<number, number>();
  for (let i = 0; i < 50; i++) {
    sent.set(i, performance.now());
    w.stdout(enc(`line ${i}\n`));
    await Bun.sleep(20);
  }
  await Bun.sleep(300);
  w.close("SUCCESS");
  const lat = (seen: Map<number, number>) => [...sent].filter(([i]) => seen.has(i)).map(([i, t]) => seen.get(i)! - t);
  const t = lat(tcpSeen);
  const s = lat(sseSeen);
  console.log(`console line → TCP watcher: median ${median(t).toFixed(2)} ms over ${t.length}/50 lines (target < 100 ms)`);
  console.log(`console line → SSE client:  median ${median(s).toFixed(2)} ms over ${s.length}/50 lines (target < 100 ms)`);
  sock.destroy();
  await reader.cancel().catch(() => {});
}

// 3. a build's wall time with 0 and 100 TCP watchers
async function buildWall(watchers: number, run: number, paceMs = 0): Promise<number> {
  const hub = new ConsoleHub(join(f.dir, `wall-${watchers}-${run}-${paceMs}`));
  const srv = await startTcpConsole({ consoles: hub, host: "127.0.0.1", port: 0, exists: () => true });
  const id = "wall";
  const w = hub.open(id);
  const closed: Promise<void>[] = [];
  for (let i = 0; i < watchers; i++) {
    const s = connect(srv.port, "127.0.0.1");
    s.on("data", () => {});
    closed.push(new Promise((r) => s.on("close", () => r())));
    s.write(`${id}\n`);
  }
  await Bun.sleep(100);
  // The "build": 2,000 chunks of output as an engine stream delivers them (one per event-loop turn).
  const line = `${"#".repeat(200)}\n`;
  const t0 = performance.now();
  const chunks = paceMs > 0 ? 200 : 2000;
  for (let i = 0; i < chunks; i++) {
    w.stdout(enc(line));
    await (paceMs > 0 ? Bun.sleep(paceMs) : new Promise((r) => setImmediate(r)));
  }
  w.close("SUCCESS");
  const wall = performance.now() - t0;
  await Promise.all(closed);
  await srv.close();
  return wall;
}
{
  const without: number[] = [];
  const withW: number[] = [];
  for (let run = 0; run < 3; run++) {
    without.push(await buildWall(0, run));
    withW.push(await buildWall(100, run));
  }
  const a = median(without);
  const b = median(withW);
  console.log(`build wall time, output as fast as possible (2,000 chunks, CPU-bound worst case): ${a.toFixed(1)} ms alone, ${b.toFixed(1)} ms with 100 TCP watchers: ratio ${(b / a).toFixed(2)}`);
  const pa = await buildWall(0, 9, 5);
  const pb = await buildWall(100, 9, 5);
  console.log(`build wall time, paced output (200 chunks, one per 5 ms): ${pa.toFixed(1)} ms alone, ${pb.toFixed(1)} ms with 100 TCP watchers: ratio ${(pb / pa).toFixed(2)}`);
}

await tcp.close();
await server.stop(true);
f.close();
