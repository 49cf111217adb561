/**
 * Time from startBuild to the first byte of output a watcher sees (median of 50 builds; target
 * < 250 ms), and the whole build's overhead against `docker run --rm` of the same command.
 * Run: npx bun bench/executor/first-byte.ts   (needs the engine: bash scripts/ensure-docker.sh)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DockerRunner } from "../../src/executor/docker/docker-runner.ts";
import { Executor } from "../../src/executor/executor.ts";
import { ConsoleHub } from "../../src/logs/console-hub.ts";

const IMAGE = "gatebox-test/busybox:latest";
const BUILDS = 50;
const DOCKER_RUNS = 20;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

const logDir = mkdtempSync(join(tmpdir(), "gatebox-bench-"));
const runner = new DockerRunner({ instance: `bench-${process.pid}` });
await runner.ping();
const hub = new ConsoleHub(logDir);
const ex = new Executor({ runner, consoles: hub, capacity: 1 });

const firstByte: number[] = [];
const total: number[] = [];
for (let i = 0; i < BUILDS; i++) {
  const t0 = performance.now();
  const h = ex.startBuild({ buildId: `bench-${i}`, itemId: "i", job: { image: IMAGE, run: "echo hi" } });
  let first = 0;
  const sub = hub.subscribe(h.buildId, (ev) => {
    if (first === 0 && ev.kind === "o") first = performance.now() - t0;
  });
  const o = await h.outcome;
  total.push(performance.now() - t0);
  await sub.done;
  if (o.result !== "SUCCESS" || first === 0) throw new Error(`build ${i}: ${o.result} ${o.message}`);
  firstByte.push(first);
}

const plain: number[] = [];
for (let i = 0; i < DOCKER_RUNS; i++) {
  const t0 = performance.now();
  const r = spawnSync("docker", ["run", "--rm", "--network", "none", IMAGE, "sh", "-c", "echo hi"]);
  if (r.status !== 0) throw new Error(`docker run failed: ${r.stderr}`);
  plain.push(performance.now() - t0);
}
rmSync(logDir, { recursive: true, force: true });

const f = (n: number) => `${n.toFixed(0)} ms`;
console.log(`first byte (startBuild → watcher sees output), ${BUILDS} builds: median ${f(median(firstByte))}, p90 ${f(pct(firstByte, 0.9))}, min ${f(Math.min(...firstByte))} (target < 250 ms)`);
console.log(`whole build via Executor (create, attach, start, wait, remove): median ${f(median(total))}, p90 ${f(pct(total, 0.9))}`);
console.log(`docker run --rm ${IMAGE} sh -c 'echo hi', ${DOCKER_RUNS} runs: median ${f(median(plain))}`);
console.log(`overhead ratio (gatebox build / docker run): ${(median(total) / median(plain)).toFixed(2)}`);
