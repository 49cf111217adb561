/**
 * The single binary: its size, `gatebox version` time, cold start of `gatebox serve` (on defaults,
 * no config) to the first /healthz answer, and its idle memory (RSS) 30 s later (after the first
 * quiet-time trim, src/server/memory.ts). Memory after work: bench/binary/memory.ts.
 * Run: `npm run build && npx bun bench/binary/startup.ts`.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const bin = process.env.GATEBOX_BIN ?? join(import.meta.dir, "../../dist/gatebox");
const dir = mkdtempSync(join(tmpdir(), "gatebox-bench-bin-"));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

console.log(`binary: ${(statSync(bin).size / 1024 / 1024).toFixed(1)} MiB`);

const version: number[] = [];
for (let i = 0; i < 10; i++) {
  const t0 = performance.now();
  spawnSync(bin, ["version"], { cwd: dir });
  version.push(performance.now() - t0);
}
console.log(`gatebox version: median ${median(version).toFixed(0)} ms over 10 runs`);

const port = 18_000 + Math.floor(Math.random() * 1000);
const cold: number[] = [];
let rss = "";
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  const p = spawn(bin, ["serve", "--listen", `127.0.0.1:${port}`, "--console-listen", "off", "--data", join(dir, `d${i}`)], { cwd: dir, stdio: "ignore" });
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    await Bun.sleep(2);
  }
  cold.push(performance.now() - t0);
  if (i === 4) {
    await Bun.sleep(30_000);
    const status = await Bun.file(`/proc/${p.pid}/status`).text();
    rss = status.split("\n").filter((l) => /^(VmRSS|VmHWM)/.test(l)).map((l) => l.replace(/\s+/g, " ")).join(", ");
  }
  p.kill("SIGTERM");
  await new Promise((r) => p.on("exit", r));
}
console.log(`serve cold start to /healthz: median ${median(cold).toFixed(0)} ms (${cold.map((c) => c.toFixed(0)).join(", ")})`);
console.log(`serve idle after 30 s: ${rss}`);
rmSync(dir, { recursive: true, force: true });
